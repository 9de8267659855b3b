"""Benchmarks: `python -m bench [suite]`. Each measure prints `BENCH <name> <value> <unit>`."""
