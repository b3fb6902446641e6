"""Fixtures for running the shipped example packs end to end (test_examples*.py)."""

from pathlib import Path

import pytest
from django.conf import settings

from packs.models import Pack
from packs.ondisk.loader import read_pack
from packs.ondisk.sync import load_packs
from tests.executions.runner_helpers import envs_dir, session_envs_dir  # noqa: F401

from .fake_http import start_fake_server

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "packs"
# What the runner actions of the examples read from the worker's environment.
ACTION_ENV = ("SLACK_API_URL", "SLACK_BOT_TOKEN", "APPROVALS_API_URL", "APPROVALS_API_TOKEN")


@pytest.fixture
def fake_http():
    """The local stand-in for every external service; see fake_http.py."""
    fake, httpd = start_fake_server()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def example_packs(db, envs_dir, fake_http, settings, monkeypatch):  # noqa: F811
    """Every example pack loaded, with its service URLs pointing at `fake_http`."""
    load_packs([read_pack(path) for path in sorted(EXAMPLES.iterdir()) if (path / "pack.yaml").is_file()])
    for pack in Pack.objects.exclude(ref="core"):
        pack.config = {
            **pack.config,
            **{key: f"{fake_http.url}/{pack.ref}" for key in pack.config if key.endswith("_url")},
        }
        pack.save(update_fields=["config"])
    settings.ATTUNE_ACTION_ENV_PASSTHROUGH = list(ACTION_ENV)
    monkeypatch.setenv("SLACK_API_URL", f"{fake_http.url}/slack/api")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("APPROVALS_API_URL", f"{fake_http.url}/approvals")
    monkeypatch.setenv("APPROVALS_API_TOKEN", "approvals-test")
    return fake_http
