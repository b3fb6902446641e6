"""The contract suite needs the attune-sdk virtualenv: without it, it fails instead of skipping."""

import subprocess

import pytest

from tests.contract.conftest import sdk_python


def test_the_sdk_virtualenv_has_the_pinned_sdk():
    version = subprocess.run(  # noqa: S603 - the SDK venv's own python
        [str(sdk_python()), "-I", "-c", "import importlib.metadata as m; print(m.version('attune-sdk'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "0.5.4"


def test_a_missing_sdk_virtualenv_fails_the_suite(monkeypatch, tmp_path):
    monkeypatch.setenv("ATTUNE_SDK_VENV", str(tmp_path / "nowhere"))
    with pytest.raises(pytest.fail.Exception, match="attune-sdk virtualenv is missing"):
        sdk_python()
