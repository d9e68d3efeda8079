"""Benchmarks: scripts that print time, peak memory and the ratio against a naive approach."""
