"""The OpenAPI schema is a contract: valid, complete, and served with the docs pages."""

import json

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

OPERATIONS = {
    ("post", "/auth/login"): ("login", "auth"),
    ("post", "/auth/refresh"): ("refresh_token", "auth"),
    ("post", "/auth/logout"): ("logout", "auth"),
    ("get", "/auth/me"): ("get_current_user", "auth"),
    ("get", "/api/v1/packs"): ("list_packs", "packs"),
    ("get", "/api/v1/packs/{ref}"): ("get_pack", "packs"),
    ("post", "/api/v1/packs"): ("create_pack", "packs"),
    ("put", "/api/v1/packs/{ref}"): ("update_pack", "packs"),
    ("delete", "/api/v1/packs/{ref}"): ("delete_pack", "packs"),
    ("get", "/api/v1/workflows"): ("list_workflows", "workflows"),
    ("get", "/api/v1/workflows/{ref}"): ("get_workflow", "workflows"),
    ("get", "/api/v1/packs/{pack_ref}/workflows"): ("list_workflows_by_pack", "workflows"),
    ("post", "/api/v1/workflows"): ("create_workflow", "workflows"),
    ("put", "/api/v1/workflows/{ref}"): ("update_workflow", "workflows"),
    ("delete", "/api/v1/workflows/{ref}"): ("delete_workflow", "workflows"),
    ("post", "/api/v1/packs/register"): ("register_pack", "packs"),
    ("post", "/api/v1/packs/upload"): ("upload_pack", "packs"),
    ("post", "/api/v1/packs/{ref}/workflows/sync"): ("sync_pack_workflows", "packs"),
    ("post", "/api/v1/packs/{ref}/workflows/validate"): ("validate_pack_workflows", "packs"),
    ("get", "/api/v1/packs/{ref}/plan"): ("plan_pack", "packs"),
}


@pytest.fixture(scope="module")
def spec():
    response = APIClient().get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_spectacular_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert yaml.safe_load((tmp_path / "schema.yaml").read_text())["openapi"].startswith("3.")


@pytest.mark.parametrize("key", OPERATIONS, ids=lambda k: f"{k[0]} {k[1]}" if isinstance(k, tuple) else k)
def test_operation_ids_and_tags(spec, key):
    method, path = key
    operation = spec["paths"][path][method]
    assert (operation["operationId"], operation["tags"]) == (OPERATIONS[key][0], [OPERATIONS[key][1]])


def test_paths_have_no_trailing_slash(spec):
    assert all(not path.endswith("/") for path in spec["paths"])


def test_api_operations_require_bearer_auth(spec):
    assert spec["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for operation in item.values():
                assert operation["security"] == [{"jwtAuth": []}], path


@pytest.mark.parametrize(
    "method, path, codes",
    [
        ("get", "/api/v1/workflows", {"200", "400", "401"}),
        ("post", "/api/v1/workflows", {"201", "400", "401", "403", "404", "409", "413", "415"}),
        ("put", "/api/v1/workflows/{ref}", {"200", "400", "401", "403", "404"}),
        ("delete", "/api/v1/workflows/{ref}", {"200", "401", "403", "404"}),
        ("get", "/api/v1/packs/{pack_ref}/workflows", {"200", "400", "401", "404"}),
        ("post", "/api/v1/packs", {"201", "400", "401", "403", "409"}),
        ("delete", "/api/v1/packs/{ref}", {"200", "401", "403", "404"}),
        ("post", "/auth/login", {"200", "400", "401", "429"}),
        ("post", "/api/v1/packs/register", {"201", "400", "401", "403", "409"}),
        ("post", "/api/v1/packs/upload", {"201", "400", "401", "403", "409", "413", "415"}),
        ("post", "/api/v1/packs/{ref}/workflows/sync", {"200", "400", "401", "403", "404"}),
    ],
)
def test_error_responses_are_documented_with_the_envelope(spec, method, path, codes):
    responses = spec["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes - {"200", "201"}:
        assert responses[code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_list_filters_are_documented(spec):
    params = {p["name"]: p for p in spec["paths"]["/api/v1/workflows"]["get"]["parameters"]}
    assert set(params) == {"tags", "enabled", "search", "pack_ref", "page", "page_size"}
    assert all(p.get("description") for p in params.values())
    assert params["tags"]["schema"]["type"] == "array"
    assert params["enabled"]["schema"] == {"type": "string", "enum": ["false", "true"]}
    assert params["page_size"]["schema"]["maximum"] == 100


def test_list_response_is_the_paginated_envelope(spec):
    schema = spec["paths"]["/api/v1/workflows"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    ref = schema["$ref"].split("/")[-1]
    component = spec["components"]["schemas"][ref]
    assert set(component["properties"]) == {"items", "pagination"}


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/api/schema", "/api/schema?format=json"])
def test_docs_pages_are_served_with_debug_off(settings, db, path):
    settings.DEBUG = False
    response = APIClient().get(path)
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower() or path.startswith("/api/schema")


def test_docs_assets_come_from_the_sidecar(db):
    page = APIClient().get("/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    asset = APIClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_upload_documents_a_multipart_file(spec):
    body = spec["paths"]["/api/v1/packs/upload"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    schema = body["multipart/form-data"]["schema"]
    component = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    assert component["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": component["properties"]["file"]["description"],
    }
