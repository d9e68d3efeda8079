"""The Data report: what is loaded, from where and when, and the rows the last loads rejected."""
