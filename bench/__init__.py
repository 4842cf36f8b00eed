"""Benchmarks for Secure Chat API: `python -m bench --help`."""
