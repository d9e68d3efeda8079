"""The weekly review: the pack, its delivery by email, exception alerts and the weekly run."""
