"""Every error under /api/ and /auth/ is the envelope, whatever raised it."""

import logging

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.conftest import assert_error
from workflows.views import WorkflowViewSet


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nope", "/api/v1/", "/api/", "/api/v2/workflows", "/auth/nope", "/api/v1/workflows/a/b/c"],
)
def test_unknown_url_under_api_is_an_enveloped_404(api_client, path):
    body = assert_error(api_client.get(path), 404, "NOT_FOUND")
    assert path in body["error"]


def test_unknown_url_with_debug_on_is_still_an_enveloped_404(api_client):
    with override_settings(DEBUG=True):
        assert_error(api_client.get("/api/v1/nope"), 404, "NOT_FOUND")


def test_unknown_url_outside_the_api_is_not_rewritten(api_client):
    response = api_client.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "method, path",
    [("delete", "/api/v1/workflows"), ("put", "/api/v1/packs"), ("get", "/auth/login"), ("post", "/auth/me")],
)
def test_wrong_method_is_an_enveloped_405(api_client, method, path):
    response = getattr(api_client, method)(path)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.has_header("Allow")


def test_malformed_json_is_a_400(api_client):
    response = api_client.post("/api/v1/packs", "{not json", content_type="application/json")
    body = assert_error(response, 400, "BAD_REQUEST")
    assert "JSON parse error" in body["error"]


def test_json_that_is_not_an_object_is_a_400(api_client):
    assert_error(api_client.post("/api/v1/packs", [1, 2]), 400, "VALIDATION_ERROR")


def test_form_encoded_body_is_a_415(api_client):
    response = api_client.post("/api/v1/packs", "ref=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_oversized_body_is_a_413_and_writes_nothing(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"ref": "big", "label": "Big", "version": "1.0.0", "description": "x" * 2000}
    assert_error(api_client.post("/api/v1/packs", body), 413, "PAYLOAD_TOO_LARGE")
    from packs.models import Pack

    assert not Pack.objects.exclude(ref="core").exists()


def test_a_body_under_the_limit_is_accepted(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    assert (
        api_client.post("/api/v1/packs", {"ref": "small", "label": "S", "version": "1.0.0"}).status_code
        == 201
    )


def test_html_accept_header_still_gets_json(api_client):
    response = api_client.get("/api/v1/workflows", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", " application/json ", "text/html"])
def test_every_plain_accept_gets_the_same_compact_json(api_client, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = api_client.get("/api/v1/workflows", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"items":[')


def test_an_accept_with_parameters_is_still_negotiated(api_client):
    # DRF's JSON renderer applies `indent`: the fast path must not swallow it.
    response = api_client.get("/api/v1/workflows", HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "items": [')


def test_unhandled_exception_is_an_enveloped_500_without_a_trace(api_client, monkeypatch, caplog):
    def explode(self, request, *args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(WorkflowViewSet, "list", explode)
    client = APIClient(raise_request_exception=False)
    client.credentials(**api_client._credentials)
    with caplog.at_level(logging.ERROR, logger="attune.api"):
        response = client.get("/api/v1/workflows")
    body = assert_error(response, 500, "INTERNAL_SERVER_ERROR")
    assert "secret internals" not in response.content.decode()
    assert body["error"] == "Internal server error"
    assert "secret internals" in caplog.text  # logged for the operator


def test_auth_errors_use_the_envelope_not_detail(anon_client, db):
    response = anon_client.get("/api/v1/packs")
    assert "detail" not in response.json()
    assert_error(response, 401, "UNAUTHORIZED")
