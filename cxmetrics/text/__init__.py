"""Text stage: sentiment and themes of free text, computed offline at load time."""
