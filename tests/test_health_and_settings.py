"""Health endpoint, settings that fail closed, and the setup commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError
from rest_framework.test import APIClient

from attune.env import env_bool, env_int

ROOT = Path(__file__).resolve().parent.parent


def test_health_reports_ok(db):
    response = APIClient().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_reports_unreachable_database(db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr("attune.health.connection.cursor", broken_cursor)
        response = APIClient().get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_health_ignores_a_bad_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    assert client.get("/health/").status_code == 200


@pytest.mark.parametrize("raw, expected", [("true", True), ("FALSE", False), ("1", True), ("off", False)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


@pytest.mark.parametrize("raw", ["maybe", "ture", "2"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("X_FLAG", raw)
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")


def test_env_int_refuses_words_and_small_values(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)


def run_settings(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ATTUNE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import attune.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_with_debug_off_stops_the_process():
    result = run_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_secret_key_given_with_debug_off_starts():
    assert run_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="s" * 50).returncode == 0


def run_manage(*argv, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ATTUNE_"))}
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env={**clean, "DJANGO_DEBUG": "false", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_command_that_signs_nothing_runs_without_a_secret_key():
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_any_other_command_still_needs_the_secret_key():
    result = run_manage("migrate", "--plan")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_invalid_debug_value_stops_the_process():
    result = run_settings(DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize("rate", ["thirty", "0/min", "30/minutes"])
def test_invalid_login_rate_stops_the_process(rate):
    result = run_settings(DJANGO_SECRET_KEY="s" * 50, ATTUNE_LOGIN_RATE=rate)
    assert result.returncode != 0
    assert "ATTUNE_LOGIN_RATE must look like 30/min" in result.stderr


def test_ensure_admin_creates_admin_once_with_generated_password(db, settings, capsys):
    from django.contrib.auth import get_user_model

    settings.ATTUNE_ADMIN_PASSWORD = ""
    call_command("ensure_admin")
    first = capsys.readouterr().out
    assert "Generated password (shown once): " in first
    password = first.split("Generated password (shown once): ")[1].split()[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    call_command("ensure_admin")
    assert "Generated password" not in capsys.readouterr().out
    assert get_user_model().objects.count() == 1


def test_ensure_admin_uses_the_configured_password(db, settings):
    from django.contrib.auth import get_user_model

    settings.ATTUNE_ADMIN_PASSWORD = "from-the-environment-123"
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="admin").check_password("from-the-environment-123")
