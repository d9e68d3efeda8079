"""The deterministic synthetic sample world: a separate program that writes data-contract files."""
