"""The workflow endpoints, starting with the 14 scenarios of the original design note."""

import pytest

from tests.conftest import DEFINITION, assert_error
from workflows.models import Workflow

URL = "/api/v1/workflows"


def create_body(**overrides):
    body = {
        "ref": "slack.incident_workflow",
        "pack_ref": "slack",
        "label": "Incident Response Workflow",
        "version": "1.0.0",
        "definition": {
            "version": "1.0.0",
            "tasks": [{"name": "notify_team", "action": "slack.post_message"}],
        },
        "tags": ["incident", "automation"],
        "enabled": True,
    }
    body.update(overrides)
    return body


# --- the seed's scenarios ------------------------------------------------------------------


def test_create_workflow_success(api_client, make_pack):
    pack = make_pack("slack")
    response = api_client.post(URL, create_body(param_schema={"channel": {"type": "string"}}))
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Workflow created successfully"
    data = body["data"]
    assert data["ref"] == "slack.incident_workflow"
    assert data["pack_ref"] == "slack"
    assert data["pack"] == pack.id
    assert data["tags"] == ["incident", "automation"]
    assert data["param_schema"] == {"channel": {"type": "string"}}
    assert data["out_schema"] is None
    assert set(data) >= {
        "id",
        "label",
        "description",
        "version",
        "definition",
        "enabled",
        "created",
        "updated",
    }
    stored = Workflow.objects.get(ref="slack.incident_workflow")
    assert stored.pack_id == pack.id
    assert stored.definition == create_body()["definition"]
    assert stored.enabled is True


def test_create_workflow_duplicate_ref(api_client, make_workflow):
    make_workflow("slack.incident_workflow", label="Original")
    response = api_client.post(URL, create_body(label="Second"))
    body = assert_error(response, 409, "CONFLICT")
    assert "slack.incident_workflow" in body["error"]
    assert Workflow.objects.get(ref="slack.incident_workflow").label == "Original"
    assert Workflow.objects.count() == 1


def test_create_workflow_pack_not_found(api_client):
    response = api_client.post(URL, create_body(ref="ghost.flow", pack_ref="ghost"))
    body = assert_error(response, 404, "NOT_FOUND")
    assert body["error"] == "Pack 'ghost' not found"
    assert not Workflow.objects.exists()


def test_get_workflow_by_ref(api_client, make_workflow):
    workflow = make_workflow("slack.incident_workflow", tags=["incident"], description="Pages on-call")
    response = api_client.get(f"{URL}/slack.incident_workflow")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == workflow.id
    assert data["ref"] == "slack.incident_workflow"
    assert data["pack_ref"] == "slack"
    assert data["description"] == "Pages on-call"
    assert data["definition"] == DEFINITION
    assert data["tags"] == ["incident"]


def test_get_workflow_not_found(api_client):
    body = assert_error(api_client.get(f"{URL}/slack.nothing"), 404, "NOT_FOUND")
    assert body["error"] == "Workflow 'slack.nothing' not found"


def test_list_workflows(api_client, make_workflow):
    make_workflow("demo.bravo", label="Bravo")
    make_workflow("demo.alpha", label="Alpha")
    make_workflow("ops.alpha", label="Alpha")
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    # Ordered by label, then ref.
    assert [item["ref"] for item in body["items"]] == ["demo.alpha", "ops.alpha", "demo.bravo"]
    assert body["pagination"] == {
        "page": 1,
        "page_size": 50,
        "total_items": 3,
        "total_pages": 1,
        "has_next": False,
        "has_previous": False,
    }
    assert set(body["items"][0]) == {
        "id",
        "ref",
        "pack_ref",
        "label",
        "description",
        "version",
        "tags",
        "enabled",
        "created",
        "updated",
    }


def test_list_workflows_by_pack(api_client, make_workflow, make_pack):
    make_workflow("slack.one")
    make_workflow("slack.two")
    make_workflow("demo.other")
    make_pack("empty")
    response = api_client.get("/api/v1/packs/slack/workflows")
    assert response.status_code == 200
    assert sorted(item["ref"] for item in response.json()["items"]) == ["slack.one", "slack.two"]
    assert response.json()["pagination"]["total_items"] == 2
    empty = api_client.get("/api/v1/packs/empty/workflows")
    assert empty.status_code == 200 and empty.json()["items"] == []
    missing = assert_error(api_client.get("/api/v1/packs/ghost/workflows"), 404, "NOT_FOUND")
    assert missing["error"] == "Pack 'ghost' not found"


def test_list_workflows_with_filters(api_client, make_workflow):
    make_workflow("slack.incident_response", tags=["incident"], label="Incident response")
    make_workflow("slack.incident_closed", tags=["incident"], enabled=False, label="Closed incident")
    make_workflow("demo.deploy", tags=["deploy"], label="Deploy")
    response = api_client.get(URL, {"enabled": "true", "tags": "incident", "search": "response"})
    assert response.status_code == 200
    assert [item["ref"] for item in response.json()["items"]] == ["slack.incident_response"]


def test_update_workflow(api_client, make_workflow):
    workflow = make_workflow(
        "slack.incident_workflow", tags=["incident"], param_schema={"a": {"type": "string"}}
    )
    response = api_client.put(
        f"{URL}/slack.incident_workflow",
        {
            "label": "Updated Incident Response",
            "version": "1.1.0",
            "enabled": False,
            "definition": None,
            "param_schema": None,
            "out_schema": None,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Workflow updated successfully"
    assert body["data"]["label"] == "Updated Incident Response"
    assert body["data"]["version"] == "1.1.0"
    assert body["data"]["enabled"] is False
    workflow.refresh_from_db()
    assert (workflow.label, workflow.version, workflow.enabled) == (
        "Updated Incident Response",
        "1.1.0",
        False,
    )
    # Sent as null or absent: unchanged.
    assert workflow.definition == DEFINITION
    assert workflow.param_schema == {"a": {"type": "string"}}
    assert workflow.tags == ["incident"]


def test_update_workflow_not_found(api_client):
    body = assert_error(api_client.put(f"{URL}/slack.ghost", {"label": "x"}), 404, "NOT_FOUND")
    assert body["error"] == "Workflow 'slack.ghost' not found"
    assert not Workflow.objects.exists()


def test_delete_workflow(api_client, make_workflow):
    workflow = make_workflow("slack.incident_workflow")
    response = api_client.delete(f"{URL}/slack.incident_workflow")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Workflow 'slack.incident_workflow' deleted successfully",
    }
    assert not Workflow.objects.filter(pk=workflow.pk).exists()
    assert workflow.pack.__class__.objects.filter(pk=workflow.pack_id).exists()  # the pack stays


def test_delete_workflow_not_found(api_client):
    assert_error(api_client.delete(f"{URL}/slack.ghost"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", URL),
        ("get", f"{URL}/slack.incident_workflow"),
        ("get", "/api/v1/packs/slack/workflows"),
        ("post", URL),
        ("put", f"{URL}/slack.incident_workflow"),
        ("patch", f"{URL}/slack.incident_workflow"),
        ("delete", f"{URL}/slack.incident_workflow"),
    ],
)
def test_create_workflow_requires_auth(anon_client, make_workflow, method, path):
    make_workflow("slack.incident_workflow")
    body = assert_error(
        getattr(anon_client, method)(path, create_body() if method == "post" else None), 401, "UNAUTHORIZED"
    )
    assert body["error"] == "Authentication credentials were not provided."
    assert Workflow.objects.count() == 1


def test_workflow_validation(api_client, make_pack):
    make_pack("slack")
    response = api_client.post(
        URL,
        {
            "ref": "Slack.Bad Ref",
            "pack_ref": "slack",
            "label": "",
            "version": "1" * 51,
            "definition": {"tasks": []},
            "tags": ["a,b"],
            "param_schema": {"x": {"type": "strng"}},
        },
    )
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert set(body["details"]) == {
        "ref",
        "label",
        "version",
        "definition",
        "tags",
        "param_schema",
        "diagnostics",
    }
    assert [d["code"] for d in body["details"]["diagnostics"]] == ["W005-empty-list"]
    assert body["error"].startswith("Validation failed:")
    missing = assert_error(api_client.post(URL, {"pack_ref": "slack"}), 400, "VALIDATION_ERROR")
    assert set(missing["details"]) == {"ref", "label", "version", "definition"}
    assert not Workflow.objects.exists()


# --- beyond the seed -------------------------------------------------------------------------


def test_create_rejects_ref_outside_its_pack(api_client, make_pack):
    make_pack("slack")
    make_pack("demo")
    body = assert_error(api_client.post(URL, create_body(ref="demo.flow")), 400, "VALIDATION_ERROR")
    assert body["details"]["ref"] == ["Workflow ref must start with its pack's ref: 'slack.<name>'."]
    assert not Workflow.objects.exists()


def test_create_rejects_unknown_fields(api_client, make_pack):
    make_pack("slack")
    body = assert_error(api_client.post(URL, create_body(enabeld=False)), 400, "VALIDATION_ERROR")
    assert body["details"] == {"enabeld": ["Unknown field."]}
    assert not Workflow.objects.exists()


def test_create_treats_null_as_not_given(api_client, make_pack):
    make_pack("slack")
    response = api_client.post(URL, create_body(description=None, tags=None, param_schema=None, enabled=None))
    assert response.status_code == 201
    stored = Workflow.objects.get()
    assert (stored.description, stored.tags, stored.param_schema, stored.enabled) == ("", [], None, True)


@pytest.mark.parametrize("enabled", ["true", 1, "yes"])
def test_create_requires_a_json_boolean_for_enabled(api_client, make_pack, enabled):
    make_pack("slack")
    body = assert_error(api_client.post(URL, create_body(enabled=enabled)), 400, "VALIDATION_ERROR")
    assert "enabled" in body["details"]
    assert not Workflow.objects.exists()


def test_create_normalises_tags(api_client, make_pack):
    make_pack("slack")
    response = api_client.post(URL, create_body(tags=["  incident ", "ops", "incident"]))
    assert response.status_code == 201
    assert response.json()["data"]["tags"] == ["incident", "ops"]
    assert Workflow.objects.get().tags == ["incident", "ops"]


def test_patch_changes_only_the_fields_sent(api_client, make_workflow):
    make_workflow("slack.flow", label="Keep", description="Keep too", tags=["a"])
    response = api_client.patch(f"{URL}/slack.flow", {"tags": ["b"]})
    assert response.status_code == 200
    stored = Workflow.objects.get(ref="slack.flow")
    assert (stored.label, stored.description, stored.tags) == ("Keep", "Keep too", ["b"])


def test_update_clears_a_schema_sent_as_empty_object(api_client, make_workflow):
    make_workflow("slack.flow", param_schema={"a": {"type": "string"}}, out_schema={"b": {"type": "string"}})
    response = api_client.put(f"{URL}/slack.flow", {"param_schema": {}})
    assert response.status_code == 200
    assert response.json()["data"]["param_schema"] == {}
    stored = Workflow.objects.get(ref="slack.flow")
    assert stored.param_schema == {}
    assert stored.out_schema == {"b": {"type": "string"}}


@pytest.mark.parametrize("field, value", [("ref", "slack.renamed"), ("pack_ref", "demo")])
def test_update_cannot_change_ref_or_pack(api_client, make_workflow, make_pack, field, value):
    make_pack("demo")
    make_workflow("slack.flow", label="Before")
    body = assert_error(
        api_client.put(f"{URL}/slack.flow", {field: value, "label": "After"}), 400, "VALIDATION_ERROR"
    )
    assert field in body["details"]
    stored = Workflow.objects.get(ref="slack.flow")
    assert (stored.pack.ref, stored.label) == ("slack", "Before")


def test_update_accepts_unchanged_ref_and_pack(api_client, make_workflow):
    make_workflow("slack.flow")
    response = api_client.put(f"{URL}/slack.flow", {"ref": "slack.flow", "pack_ref": "slack", "label": "New"})
    assert response.status_code == 200
    assert Workflow.objects.get(ref="slack.flow").label == "New"


def test_update_rejects_invalid_definition_and_keeps_the_old_one(api_client, make_workflow):
    make_workflow("slack.flow")
    body = assert_error(
        api_client.put(
            f"{URL}/slack.flow",
            {
                "definition": {
                    "version": "1.0.0",
                    "tasks": [{"name": "a", "action": "core.echo"}, {"name": "a", "action": "core.echo"}],
                }
            },
        ),
        400,
        "VALIDATION_ERROR",
    )
    assert body["details"]["definition"] == [
        "/tasks/1/name: W102-duplicate-task: Task name 'a' is used twice (first at /tasks/0/name); names must be unique."
    ]
    assert body["details"]["diagnostics"] == [
        {
            "code": "W102-duplicate-task",
            "message": "Task name 'a' is used twice (first at /tasks/0/name); names must be unique.",
            "path": "/tasks/1/name",
            "severity": "error",
            "line": None,
            "column": None,
        }
    ]
    assert Workflow.objects.get(ref="slack.flow").definition == DEFINITION


@pytest.mark.parametrize("path", [f"{URL}/", f"{URL}/slack.flow/", "/api/v1/packs/slack/workflows/"])
def test_trailing_slash_is_served_without_redirect(api_client, make_workflow, path):
    make_workflow("slack.flow")
    assert api_client.get(path).status_code == 200


def test_post_with_trailing_slash_creates(api_client, make_pack):
    make_pack("slack")
    assert api_client.post(f"{URL}/", create_body()).status_code == 201
    assert Workflow.objects.filter(ref="slack.incident_workflow").exists()


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow_with_rows(api_client, make_pack, django_assert_num_queries, rows):
    pack = make_pack("bulk")
    Workflow.objects.bulk_create(
        Workflow(
            ref=f"bulk.w{i}", pack=pack, label=f"W{i}", version="1.0.0", definition=DEFINITION, tags=["t"]
        )
        for i in range(rows)
    )
    # user lookup + count + page
    with django_assert_num_queries(3):
        response = api_client.get(URL, {"tags": "t", "search": "w", "enabled": "true"})
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_by_pack_list_query_count_does_not_grow_with_rows(
    api_client, make_pack, django_assert_num_queries, rows
):
    pack = make_pack("bulk")
    Workflow.objects.bulk_create(
        Workflow(ref=f"bulk.w{i}", pack=pack, label=f"W{i}", version="1.0.0", definition=DEFINITION)
        for i in range(rows)
    )
    # user lookup + count + page (the pack id is a subquery of both)
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/packs/bulk/workflows")
    assert len(response.json()["items"]) == rows


def test_list_rows_match_the_summary_serializer(api_client, make_workflow):
    # The list is built from .values() for speed; it must stay the documented shape.
    from workflows.serializers import WorkflowSummarySerializer

    workflow = make_workflow("slack.flow", tags=["a", "b"], description="d")
    item = api_client.get(URL).json()["items"][0]
    expected = api_client.get(f"{URL}/slack.flow").json()["data"]
    assert item == {key: expected[key] for key in WorkflowSummarySerializer.Meta.fields}
    assert item == dict(
        WorkflowSummarySerializer(Workflow.objects.select_related("pack").get(pk=workflow.pk)).data
    )


# --- the workflow language on every write --------------------------------------------------


def test_language_schema_is_served_to_any_user(reader_client, anon_client, db):
    response = reader_client.get(f"{URL}/schema")
    assert response.status_code == 200
    assert response.json()["title"] == "Attune workflow definition"
    assert response.json()["required"] == ["tasks"]  # `version` is the record's field
    assert_error(anon_client.get(f"{URL}/schema"), 401, "UNAUTHORIZED")


def test_create_stores_the_shorthand_normalised_into_next(api_client, make_pack):
    make_pack("slack")
    definition = {
        "version": "1.0.0",
        "tasks": [
            {"name": "notify", "action": "slack.post_message", "on_success": "close", "on_failure": "page"},
            {"name": "close", "action": "core.echo"},
            {"name": "page", "action": "core.echo"},
        ],
    }
    response = api_client.post(URL, create_body(definition=definition))
    assert response.status_code == 201, response.content
    stored = Workflow.objects.get(ref="slack.incident_workflow").definition
    assert stored["tasks"][0]["next"] == [
        {"do": ["close"], "when": "{{ succeeded() }}"},
        {"do": ["page"], "when": "{{ failed() }}"},
    ]
    assert "on_success" not in stored["tasks"][0]
    assert response.json()["data"]["definition"] == stored


def test_create_returns_warnings_beside_the_saved_workflow(api_client, make_pack):
    make_pack("slack")
    definition = {
        "version": "1.0.0",
        "tasks": [
            {"name": "poll", "action": "core.http", "next": [{"when": "{{ succeeded() }}", "do": ["wait"]}]},
            {"name": "wait", "action": "core.sleep", "next": [{"when": "{{ succeeded() }}", "do": ["poll"]}]},
            {"name": "start", "action": "core.echo", "next": [{"do": ["poll"]}]},
        ],
    }
    response = api_client.post(URL, create_body(definition=definition))
    assert response.status_code == 201, response.content
    assert [w["code"] for w in response.json()["warnings"]] == ["W107-status-guarded-cycle"]
    assert Workflow.objects.filter(ref="slack.incident_workflow").exists()


def test_create_rejects_an_undeclared_parameter_with_its_diagnostic(api_client, make_pack):
    make_pack("slack")
    definition = {
        "version": "1.0.0",
        "tasks": [
            {
                "name": "notify",
                "action": "slack.post_message",
                "input": {"channel": "{{ parameters.chanel }}"},
            }
        ],
    }
    body = assert_error(
        api_client.post(
            URL, create_body(definition=definition, param_schema={"channel": {"type": "string"}})
        ),
        400,
        "VALIDATION_ERROR",
    )
    # slack.post_message is not loaded: a W402 warning beside the error.
    (diagnostic,) = [d for d in body["details"]["diagnostics"] if d["severity"] == "error"]
    assert (diagnostic["code"], diagnostic["path"]) == ("W303-undeclared-parameter", "/tasks/0/input/channel")
    assert not Workflow.objects.exists()


def test_update_of_the_parameter_schema_rechecks_the_stored_definition(api_client, make_workflow):
    definition = {
        "version": "1.0.0",
        "tasks": [{"name": "a", "action": "core.echo", "input": {"host": "{{ parameters.host }}"}}],
    }
    make_workflow("slack.flow", definition=definition, param_schema={"host": {"type": "string"}})
    body = assert_error(
        api_client.patch(f"{URL}/slack.flow", {"param_schema": {"other": {"type": "string"}}}),
        400,
        "VALIDATION_ERROR",
    )
    assert [d["code"] for d in body["details"]["diagnostics"]] == ["W303-undeclared-parameter"]
    assert Workflow.objects.get(ref="slack.flow").param_schema == {"host": {"type": "string"}}


def test_detail_reads_only_the_shown_columns_and_answers_the_same(api_client, make_pack, make_workflow):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attune.viewsets import etag
    from workflows.serializers import WorkflowSerializer

    pack = make_pack("big", manifest_text="ref: big\n" * 500, conf_schema={"k": {"type": "string"}})
    make_workflow(
        "big.flow",
        pack=pack,
        tags=["a", "b"],
        param_schema={"target": {"type": "string"}},
        out_schema={"result": {"type": "string"}},
        source_text="tasks: []\n" * 500,
        metadata_text="ref: flow\n" * 50,
    )
    Workflow.objects.filter(ref="big.flow").update(revision=7)
    full = Workflow.objects.select_related("pack").get(ref="big.flow")
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(f"{URL}/big.flow")
    assert response.status_code == 200
    assert response.json() == {"data": WorkflowSerializer(full).data}
    # Read from .values(), not the serializer: the same keys in the serializer's order too.
    assert list(response.json()["data"]) == list(WorkflowSerializer(full).data)
    assert response["ETag"] == etag(full) == f'"{full.pk}-7"'
    # the user, then the row: no deferred column is fetched afterwards
    assert len(queries) == 2
    row_sql = queries[1]["sql"]
    for unshown in ("source_text", "metadata_text", "manifest_text", "conf_schema", "load_stamp"):
        assert unshown not in row_sql
