"""Security headers on every response (errors included), HSTS from the environment, and
`check --deploy` clean with the README's production settings."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def big_body(client):
    return client.generic(
        "POST", "/api/v1/packs", b"{}", content_type="application/json", CONTENT_LENGTH=str(10**9)
    )


REQUESTS = {
    "200 list": (lambda api, web: api.get("/api/v1/packs"), 200),
    "201 create": (
        lambda api, web: api.post("/api/v1/packs", {"ref": "a", "label": "A", "version": "1.0.0"}),
        201,
    ),
    "400 envelope": (lambda api, web: api.post("/api/v1/packs", {"ref": "Bad ref"}), 400),
    "401 envelope": (lambda api, web: APIClient().get("/api/v1/packs"), 401),
    "404 envelope": (lambda api, web: api.get("/api/v1/no-such-endpoint"), 404),
    "404 nul path": (lambda api, web: api.get("/api/v1/packs/a%00"), 404),
    "405 envelope": (lambda api, web: api.put("/api/v1/packs", {}), 405),
    "413 envelope": (lambda api, web: big_body(api), 413),
    "health": (lambda api, web: web.get("/health"), 200),
    "admin login page": (lambda api, web: web.get("/admin/login/"), 200),
    "html 404": (lambda api, web: web.get("/no-such-page"), 404),
    "static file": (lambda api, web: web.get("/static/admin/css/base.css"), 200),
}


@pytest.mark.parametrize("send, status", REQUESTS.values(), ids=REQUESTS.keys())
def test_every_response_carries_the_security_headers(api_client, send, status):
    response = send(api_client, Client())
    assert response.status_code == status, response.content[:300]
    assert {name: response.get(name) for name in HEADERS} == HEADERS


def test_hsts_is_off_by_default(db, settings):
    assert settings.SECURE_HSTS_SECONDS == 0
    assert "Strict-Transport-Security" not in Client().get("/health", secure=True)


def test_hsts_is_sent_on_https_when_set(db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    assert Client().get("/health", secure=True)["Strict-Transport-Security"] == "max-age=3600"
    assert "Strict-Transport-Security" not in Client().get("/health")  # never on plain HTTP


def settings_value(name: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ATTUNE_"))}
    code = f"import attune.settings as s; print(s.{name})"
    return subprocess.run(  # noqa: S603 - this interpreter, a constant setting name
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": "s" * 50, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_django_hsts_seconds_sets_secure_hsts_seconds():
    assert settings_value("SECURE_HSTS_SECONDS", DJANGO_HSTS_SECONDS="31536000").stdout.strip() == "31536000"


@pytest.mark.parametrize("raw", ["a year", "-1", "1.5"])
def test_a_bad_hsts_value_stops_the_process(raw):
    result = settings_value("SECURE_HSTS_SECONDS", DJANGO_HSTS_SECONDS=raw)
    assert result.returncode != 0
    assert "DJANGO_HSTS_SECONDS must be" in result.stderr


def readme_production_env() -> dict:
    """The variables the README's production block exports, placeholders filled in."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Production", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    export = re.search(r"^export (.*?)(?<!\\)$", block.replace("\\\n", " "), re.MULTILINE).group(1)
    env = dict(item.split("=", 1) for item in shlex.split(export))
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3")
    )
    return env


def run_deploy_check(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ATTUNE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_passes_with_the_readme_production_settings():
    env = readme_production_env()
    assert env["DJANGO_HSTS_SECONDS"] == "31536000"
    result = run_deploy_check(env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_hsts():
    env = {**readme_production_env(), "DJANGO_HSTS_SECONDS": "0"}
    result = run_deploy_check(env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr
