"""Run Attune's own client (attune-sdk, in its own virtualenv) against a live test server.

`make test` builds the virtualenv from requirements-sdk.txt (`make sdk-venv`); its location
is ATTUNE_SDK_VENV, `.venv-sdk` in the project by default. Without it these tests fail: the
contract is not checked by skipping it.

The server is pytest-django's `live_server`: a thread of this process on the test database,
so a test's rows are visible to it (on SQLite and PostgreSQL alike) and a test can patch what
it answers. The SDK side is one `sdk_cases.py serve` process for the whole run.
"""

import json
import os
import select
import subprocess
import tempfile
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

PROJECT = Path(__file__).resolve().parents[2]
CASES_SCRIPT = Path(__file__).with_name("sdk_cases.py")
CASE_TIMEOUT = 120  # seconds; a case makes one or two HTTP calls


def sdk_python() -> Path:
    venv = Path(os.environ.get("ATTUNE_SDK_VENV") or ".venv-sdk")
    python = (venv if venv.is_absolute() else PROJECT / venv) / "bin" / "python"
    if not python.exists():
        pytest.fail(
            f"The attune-sdk virtualenv is missing ({python} not found): run `make sdk-venv` "
            "(`make test` does), or set ATTUNE_SDK_VENV to a virtualenv with requirements-sdk.txt.",
            pytrace=False,
        )
    return python


class SdkFailed(AssertionError):
    """The SDK side of a case failed; the message is its traceback, naming model and field."""


class SdkWorker:
    """The `sdk_cases.py serve` process: one JSON line in, one JSON line out."""

    def __init__(self, python: Path, log):
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - our own script, run by the pinned SDK venv
            [str(python), "-I", str(CASES_SCRIPT), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={"PATH": os.environ.get("PATH", "")},
        )

    def run(self, case: str, url: str, token: str | None, arguments: dict):
        request = {"case": case, "arguments": arguments, "url": url, "token": token}
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            self.fail("is not running")
        ready, _, _ = select.select([self.process.stdout], [], [], CASE_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.fail(f"gave no answer to {case!r} within {CASE_TIMEOUT} s")
        reply = json.loads(line)
        if "error" in reply:
            raise SdkFailed(f"SDK case {case!r} failed:\n{reply['error']}")
        return reply["result"]

    def fail(self, what: str):
        self.log.seek(0)
        pytest.fail(f"The SDK worker {what}. Its output:\n{self.log.read()[-6000:]}", pytrace=False)

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def sdk_worker():
    with tempfile.TemporaryFile(mode="w+") as log:
        worker = SdkWorker(sdk_python(), log)
        yield worker
        worker.close()


@pytest.fixture
def run_sdk(live_server, sdk_worker):
    """`run_sdk(case, token=..., **arguments)`: the case's result, or SdkFailed."""

    def run(case: str, token: str | None = None, **arguments):
        return sdk_worker.run(case, live_server.url, token, arguments)

    return run


def token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def root_token(make_user):
    return token_for(make_user("root", superuser=True))
