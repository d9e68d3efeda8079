"""Sub-commands of `python -m cxmetrics`, one module each with `register(subparsers)`."""
