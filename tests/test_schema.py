"""The OpenAPI schema is a contract: valid, complete, and served with the docs pages."""

import json
import re

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from attune.validators import (
    PACK_REF_RE,
    SEMVER_RE,
    normalize_tags,
    validate_pack_ref,
    validate_semver,
    validate_workflow_ref,
)
from workflows.models import Workflow

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
    # The exceptions: the picture (the admin embeds it) and the language's JSON Schema (the
    # admin's definition editor links it) also open from an admin session.
    session_too = {"/api/v1/workflows/{ref}/graph.svg", "/api/v1/workflows/schema"}
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/"):
            expected = [{"jwtAuth": []}] + ([{"cookieAuth": []}] if path in session_too else [])
            for operation in item.values():
                assert operation["security"] == expected, path


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
    assert set(params) == {"tags", "enabled", "search", "pack_ref", "page", "page_size", "include_total"}
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


# --- request bodies state the server's rules ----------------------------------------------

WRITE_BODIES = [
    "PackCreateRequest",
    "PackUpdateRequest",
    "PatchedPackUpdateRequest",
    "WorkflowCreateRequest",
    "WorkflowUpdateRequest",
    "PatchedWorkflowUpdateRequest",
]


def component(spec, name):
    return spec["components"]["schemas"][name]


def prop(spec, name, field):
    return component(spec, name)["properties"][field]


@pytest.mark.parametrize("name", WRITE_BODIES)
def test_write_bodies_refuse_unknown_fields(spec, name):
    assert component(spec, name)["additionalProperties"] is False


def test_bodies_that_ignore_unknown_fields_do_not_claim_to_refuse_them(spec):
    assert "additionalProperties" not in component(spec, "LoginRequest")
    assert "additionalProperties" not in component(spec, "Pack")


@pytest.mark.parametrize("name", ["PackUpdateRequest", "WorkflowUpdateRequest"])
def test_put_bodies_require_nothing_because_put_is_a_partial_update(spec, name):
    assert "required" not in component(spec, name)


def test_create_bodies_require_what_the_server_requires(spec):
    assert set(component(spec, "PackCreateRequest")["required"]) == {"ref", "label", "version"}
    assert set(component(spec, "WorkflowCreateRequest")["required"]) == {
        "ref", "pack_ref", "label", "version", "definition",
    }  # fmt: skip


def test_optional_write_fields_are_nullable_because_null_means_not_given(spec):
    body = component(spec, "PackCreateRequest")
    assert prop(spec, "PackCreateRequest", "tags")["nullable"] is True
    assert all(not body["properties"][name].get("nullable") for name in body["required"])
    assert all(p["nullable"] for p in component(spec, "PatchedWorkflowUpdateRequest")["properties"].values())


def _accepts(validator, value) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _matches(schema: dict, value: str) -> bool:
    pattern = re.search(schema["pattern"], value) is not None
    return pattern and value not in schema.get("not", {}).get("enum", [])


RULES = [
    ("PackCreateRequest", "ref", validate_pack_ref),
    ("WorkflowCreateRequest", "pack_ref", validate_pack_ref),
    ("WorkflowCreateRequest", "ref", validate_workflow_ref),
    ("PackCreateRequest", "version", validate_semver),
]
SAMPLES = [
    "demo",
    "demo.run",
    "a-b_c.X-1",
    "1.0.0",
    "1.2.3-rc.1+build.5",
    "register",
    "upload",
    "Core",
    "a.b.c",
]


@pytest.mark.parametrize("name, field, validator", RULES, ids=lambda v: getattr(v, "__name__", v))
@given(
    value=st.one_of(
        st.sampled_from(SAMPLES), st.from_regex(r"[a-zA-Z0-9._+-]{1,12}", fullmatch=True), st.text()
    )
)
@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_documented_patterns_accept_exactly_what_the_validators_accept(spec, name, field, validator, value):
    assert _matches(prop(spec, name, field), value) == _accepts(validator, value)


@given(value=st.one_of(st.sampled_from([" a ", "a,b", "\x1c", "x" * 64, "x" * 65, " \u3000"]), st.text()))
@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_tag_pattern_accepts_exactly_what_the_server_keeps(spec, value):
    items = prop(spec, "PackCreateRequest", "tags")["items"]
    assert (re.search(items["pattern"], value) is not None) == _accepts(normalize_tags, [value])


@given(value=st.text())
@hypothesis_settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_required_string_must_be_more_than_whitespace_as_the_server_trims_it(spec, value):
    label = prop(spec, "PackCreateRequest", "label")
    assert (re.search(label["pattern"], value) is not None) == bool(value.strip())


def test_version_rules_follow_the_model_validators(spec):
    assert prop(spec, "PackCreateRequest", "version")["pattern"] == SEMVER_RE.pattern
    field = Workflow._meta.get_field("version")
    version = prop(spec, "WorkflowCreateRequest", "version")
    assert version["maxLength"] == field.max_length
    assert (version.get("pattern") == SEMVER_RE.pattern) == (validate_semver in field.validators)


def test_pack_list_fields_state_their_items(spec):
    dependencies = prop(spec, "PackCreateRequest", "dependencies")
    assert dependencies["uniqueItems"] is True
    assert dependencies["items"]["pattern"] == PACK_REF_RE.pattern
    assert prop(spec, "PackCreateRequest", "worker_selector")["additionalProperties"] == {"type": "string"}
    assert prop(spec, "PackCreateRequest", "runtime_deps")["items"]["pattern"]


def test_the_description_patch_forms_require_what_the_server_requires(spec):
    forms = prop(spec, "PackCreateRequest", "description")["oneOf"]
    assert [f.get("required") for f in forms] == [None, ["op", "value"], ["op"]]
    assert all(f["additionalProperties"] is False for f in forms[1:])


def test_validate_takes_any_json_value_but_null(spec):
    body = spec["paths"]["/api/v1/workflows/validate"]["post"]["requestBody"]["content"]
    assert {"null"}.isdisjoint(option["type"] for option in body["application/json"]["schema"]["oneOf"])
    assert body["application/yaml"]["schema"] == {}


@pytest.mark.parametrize("path", ["/api/v1/packs", "/api/v1/workflows"])
def test_a_number_is_not_a_string(api_client, path):
    response = api_client.post(path, {"ref": "demo", "label": 5, "version": "1.0.0"}, format="json")
    assert response.status_code == 400
    assert response.json()["details"]["label"] == ["Not a valid string."]


def test_a_number_written_as_a_string_is_a_string(api_client):
    response = api_client.post(
        "/api/v1/packs", {"ref": "demo", "label": "5", "version": "1.0.0"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["data"]["label"] == "5"


def test_every_tags_filter_documents_at_least_one_tag(db, anon_client):
    spec = anon_client.get("/api/schema", {"format": "json"}).json()
    tags = [
        (path, parameter["schema"])
        for path, item in spec["paths"].items()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "tags"
    ]
    assert len(tags) == 5
    assert all(schema["type"] == "array" and schema["minItems"] == 1 for _, schema in tags)
    pattern = re.compile(tags[0][1]["items"]["pattern"])
    # What the server trims to nothing (str.strip(): "\x1c" too) is outside the pattern.
    assert [bool(pattern.search(item)) for item in ["pager", " a b ", "", " ", "\x1c", "\u3000", "a,b"]] == [
        True, True, False, False, False, False, False
    ]  # fmt: skip
    assert all(schema["items"]["pattern"] == pattern.pattern for _, schema in tags)
