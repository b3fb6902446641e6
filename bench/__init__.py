"""Benchmarks. `make bench` runs bench/list_workflows.py; bench/load_pack.py measures pack
loading from disk. See each one's docstring."""
