"""Benchmarks. `make bench` runs bench/list_workflows.py; see its docstring."""
