"""Scenarios for examples/packs/approvals (run by test_examples.py)."""

SCENARIOS = {}
