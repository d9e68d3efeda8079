"""Executive CX dashboard: data contract, loader, sample world, metrics and charts (no UI code here)."""

__version__ = "0.1.0"
