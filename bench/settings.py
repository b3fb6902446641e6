"""Attune's own settings, plus the benchmark's floor view (see bench/urls.py).

Nothing else changes, so the API under test runs exactly as configured in production.
"""

from attune.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
