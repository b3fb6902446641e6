"""Fixtures for running the shipped example packs end to end (test_examples*.py).

The packs are installed as a user installs them (`manage.py install_examples`, into a
temporary ATTUNE_PACKS_DIR); their service URLs point at `fake_http`. Actions the packs
call but document as yours to provide (`deployments.*`, `pagerduty.*`, the data pipeline's
steps, Slack calls other than post_message) get a stand-in: a Python action that POSTs its
parameters to `fake_http` at /standin/<pack>/<action> and prints the JSON answer as its
result, so a test chooses the result and sees what the workflow sent.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from actions.models import Action
from packs.models import Pack
from tests.executions.runner_helpers import make_pack_dir

from .fake_http import start_fake_server

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "packs"
# What the runner actions of the examples (and the stand-ins) read from the environment.
ACTION_ENV = ("SLACK_API_URL", "SLACK_BOT_TOKEN", "APPROVALS_API_URL", "APPROVALS_API_TOKEN", "STANDIN_URL")
STANDIN_SCRIPT = """\
import json, os, sys, urllib.request

parameters = json.load(sys.stdin)
url = os.environ["STANDIN_URL"] + "/" + os.environ["ATTUNE_ACTION"].replace(".", "/")
request = urllib.request.Request(
    url, data=json.dumps(parameters).encode(), headers={"Content-Type": "application/json"}
)
with urllib.request.urlopen(request, timeout=10) as response:  # an HTTP error fails the run
    print(json.dumps(json.load(response)))
"""


@pytest.fixture
def fake_http():
    """The local stand-in for every external service; see fake_http.py."""
    fake, httpd = start_fake_server()
    yield fake
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def example_packs(db, envs_dir, fake_http, settings, monkeypatch, tmp_path):
    """Every example pack installed, its service URLs pointing at `fake_http`; the server."""
    settings.ATTUNE_PACKS_DIR = tmp_path / "packs"
    call_command("install_examples", stdout=StringIO())
    for pack in Pack.objects.exclude(ref="core"):
        urls = {key: f"{fake_http.url}/{pack.ref}" for key in pack.config if key.endswith("_url")}
        pack.config = {**pack.config, **urls}
        pack.save(update_fields=["config"])
    settings.ATTUNE_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]  # core.http: a URL left unredirected fails
    settings.ATTUNE_ACTION_ENV_PASSTHROUGH = list(ACTION_ENV)
    monkeypatch.setenv("SLACK_API_URL", f"{fake_http.url}/slack/api")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("APPROVALS_API_URL", f"{fake_http.url}/approvals")
    monkeypatch.setenv("APPROVALS_API_TOKEN", "approvals-test")
    monkeypatch.setenv("STANDIN_URL", f"{fake_http.url}/standin")
    return fake_http


@pytest.fixture
def standin(example_packs, tmp_path):
    """`standin("pack.action", answer)`: the stand-in action, answering `answer` (JSON)."""

    def make(ref: str, answer=None, status: int = 200) -> Action:
        pack_ref, name = ref.split(".")
        pack = Pack.objects.filter(ref=pack_ref).first() or make_pack_dir(tmp_path / "packs", pack_ref)
        script = Path(pack.source_dir) / "actions" / "standin.py"
        script.write_text(STANDIN_SCRIPT)
        example_packs.answer("POST", f"/standin/{pack_ref}/{name}", answer or {}, status)
        return Action.objects.create(
            ref=ref,
            pack=pack,
            label=name,
            runner_type=Action.RunnerType.PYTHON,
            entry_point="standin.py",
            output_format=Action.OutputFormat.JSON,
        )

    return make


def slack_ok(fake, channel="C0DEMO"):
    """Slack's chat.postMessage answers ok."""
    fake.answer(
        "POST", "/slack/api/chat.postMessage", {"ok": True, "channel": channel, "ts": "1700000000.000100"}
    )


def slack_posts(fake) -> list[tuple]:
    """(channel, text) of every message the workflow posted to Slack, in order."""
    return [
        (r.body["channel"], r.body["text"]) for r in fake.requests if r.path == "/slack/api/chat.postMessage"
    ]
