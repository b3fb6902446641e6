"""Scenarios for examples/packs/data_pipeline (run by test_examples.py)."""

SCENARIOS = {}
