"""The actions API: list, filters, detail, create, update, delete; envelopes, ETags, permissions."""

import pytest

from actions.models import Action
from tests.conftest import assert_error, client_for

URL = "/api/v1/actions"
PARAMS = {"host": {"type": "string", "required": True}}


def create_body(**fields):
    body = {
        "ref": "demo.restart",
        "pack_ref": "demo",
        "label": "Restart",
        "entrypoint": "restart.py",
        "runner_type": "python",
    }
    return {**body, **fields}


@pytest.fixture
def actions(make_action, make_pack):
    make_pack("net")
    make_action("demo.restart", description="Restart a host", tags=["ops"])
    make_action("demo.backup", runner_type="shell", entry_point="backup.sh", enabled=False, tags=["nightly"])
    make_action("net.ping", tags=["ops", "net"])


def refs(response):
    assert response.status_code == 200, response.content
    return [item["ref"] for item in response.json()["items"]]


# --- list --------------------------------------------------------------------------------


def test_list_shows_the_core_pack_and_loaded_actions_in_ref_order(api_client, actions):
    assert refs(api_client.get(URL, {"page_size": 100})) == [
        "core.ask", "core.echo", "core.fail", "core.http", "core.http_request", "core.local", "core.log", "core.noop",
        "core.sleep", "demo.backup", "demo.restart", "net.ping",
    ]  # fmt: skip


def test_list_items_have_attunes_summary_fields(api_client, actions):
    (item,) = api_client.get(URL, {"search": "restart a"}).json()["items"]
    assert item == {
        "id": Action.objects.get(ref="demo.restart").pk,
        "ref": "demo.restart",
        "pack_ref": "demo",
        "label": "Restart",
        "description": "Restart a host",
        "entrypoint": "restart.py",
        "runner_type": "python",
        "enabled": True,
        "tags": ["ops"],
        "timeout_seconds": None,
        "workflow_def": None,
        "accesses_mcp": False,
        "reference_visibility": "public",
        "created": item["created"],
        "updated": item["updated"],
    }


def test_list_rows_match_the_summary_serializer(api_client, actions):
    # The list is built from .values() for speed; it must stay the documented shape.
    from actions.serializers import ActionSummarySerializer

    (item,) = api_client.get(URL, {"pack_ref": "net"}).json()["items"]
    assert item == dict(ActionSummarySerializer(Action.objects.get(ref="net.ping")).data)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"pack_ref": "demo"}, ["demo.backup", "demo.restart"]),
        ({"pack_ref": "nosuch"}, []),
        ({"runner_type": "shell"}, ["demo.backup"]),
        ({"runner_type": "workflow"}, []),
        ({"enabled": "false"}, ["demo.backup"]),
        ({"enabled": "true", "pack_ref": "demo"}, ["demo.restart"]),
        ({"search": "RESTART"}, ["demo.restart"]),
        ({"q": "ping"}, ["net.ping"]),
        ({"search": "nothing like it"}, []),
        ({"tags": "ops"}, ["demo.restart", "net.ping"]),
        ({"tags": "nightly,net"}, ["demo.backup", "net.ping"]),
        ({"tags": "op"}, []),
    ],
)
def test_list_filters(api_client, actions, params, expected):
    assert [ref for ref in refs(api_client.get(URL, params)) if not ref.startswith("core.")] == expected


@pytest.mark.parametrize("params", [{"enabled": "maybe"}, {"enabled": ""}, {"runner_type": "perl"}])
def test_list_refuses_a_bad_filter_value(api_client, actions, params):
    body = assert_error(api_client.get(URL, params), 400, "VALIDATION_ERROR")
    assert set(body["details"]) == set(params)


def test_list_paginates_like_the_workflow_list(api_client, actions):
    body = api_client.get(URL, {"pack_ref": "demo", "page": 2, "page_size": 1}).json()
    assert [item["ref"] for item in body["items"]] == ["demo.restart"]
    assert body["pagination"] == {
        "page": 2, "page_size": 1, "total_items": 2, "total_pages": 2, "has_next": False, "has_previous": True,
    }  # fmt: skip


@pytest.mark.parametrize("rows", [1, 50])
def test_list_query_count_does_not_grow_with_rows(api_client, make_pack, django_assert_num_queries, rows):
    pack = make_pack("bulk")
    Action.objects.bulk_create(
        Action(ref=f"bulk.a{i}", pack=pack, label="A", runner_type="python", entry_point="a.py")
        for i in range(rows)
    )
    # user lookup + count + page (pack_ref is a join)
    with django_assert_num_queries(3):
        response = api_client.get(URL, {"pack_ref": "bulk", "page_size": 100})
    assert len(response.json()["items"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_pack_action_list_query_count_does_not_grow_with_rows(
    api_client, make_pack, django_assert_num_queries, rows
):
    pack = make_pack("bulk")
    Action.objects.bulk_create(
        Action(ref=f"bulk.a{i}", pack=pack, label="A", runner_type="python", entry_point="a.py")
        for i in range(rows)
    )
    # user lookup + count + page (the pack id is a subquery of both)
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/packs/bulk/actions", {"page_size": 100})
    assert [item["pack_ref"] for item in response.json()["items"]] == ["bulk"] * rows


def test_the_actions_of_a_pack_are_listed_with_the_same_filters(api_client, actions):
    assert refs(api_client.get("/api/v1/packs/demo/actions")) == ["demo.backup", "demo.restart"]
    assert refs(api_client.get("/api/v1/packs/demo/actions", {"tags": "ops"})) == ["demo.restart"]
    assert len(refs(api_client.get("/api/v1/packs/core/actions"))) == 9


def test_the_actions_of_an_unknown_pack_are_a_404(api_client):
    assert_error(api_client.get("/api/v1/packs/nosuch/actions"), 404, "NOT_FOUND")


def test_reading_needs_a_login(anon_client):
    assert_error(anon_client.get(URL), 401, "UNAUTHORIZED")
    assert_error(anon_client.get(f"{URL}/core.echo"), 401, "UNAUTHORIZED")


# --- detail ------------------------------------------------------------------------------


def test_detail_has_attunes_response_fields_and_an_etag(reader_client, make_action):
    action = make_action("demo.restart", parameters=PARAMS, output={"ok": {"type": "boolean"}}, timeout=60)
    response = reader_client.get(f"{URL}/demo.restart")
    assert response.status_code == 200
    assert response["ETag"] == f'"{action.pk}-{action.revision}"'
    data = response.json()["data"]
    assert (data["pack"], data["pack_ref"], data["entrypoint"]) == (action.pack_id, "demo", "restart.py")
    assert (data["param_schema"], data["out_schema"], data["timeout_seconds"]) == (
        PARAMS,
        {"ok": {"type": "boolean"}},
        60,
    )
    assert (data["is_adhoc"], data["source_path"], data["workflow_def"]) == (True, "", None)
    assert (data["parameter_delivery"], data["parameter_format"], data["output_format"]) == (
        "stdin",
        "json",
        "text",
    )


def test_detail_of_an_unknown_ref_is_a_404(api_client):
    assert_error(api_client.get(f"{URL}/demo.nosuch"), 404, "NOT_FOUND")


# --- create ------------------------------------------------------------------------------


def test_create_makes_the_action_and_answers_201_with_it(api_client, make_pack):
    make_pack("demo")
    response = api_client.post(
        URL, create_body(param_schema=PARAMS, tags=["ops", " ops "], timeout_seconds=30)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "Action created successfully"
    action = Action.objects.get(ref="demo.restart")
    assert response["ETag"] == f'"{action.pk}-1"'
    assert body["data"]["id"] == action.pk
    assert (action.runner_type, action.entry_point, action.parameters, action.tags, action.timeout) == (
        "python",
        "restart.py",
        PARAMS,
        ["ops"],
        30,
    )


def test_create_accepts_attunes_runtime_ref_and_defaults(api_client, make_pack):
    make_pack("demo")
    body = create_body(runtime_ref="core.shell", entrypoint="restart.sh", accesses_mcp=False)
    body.pop("runner_type")
    response = api_client.post(
        URL, {**body, "enabled": True, "reference_visibility": "public"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Action.objects.get(ref="demo.restart").runner_type == "shell"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"runner_type": None}, "runner_type"),
        ({"runner_type": "workflow"}, "runner_type"),
        ({"runner_type": "builtin", "entrypoint": "echo"}, "entrypoint"),
        ({"entrypoint": "/etc/passwd"}, "entrypoint"),
        ({"entrypoint": "../other/x.py"}, "entrypoint"),
        ({"entrypoint": ""}, "entrypoint"),
        ({"ref": "other.restart"}, "ref"),
        ({"param_schema": {"host": "string"}}, "param_schema"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 2**31}, "timeout_seconds"),
        ({"parameter_format": "xml"}, "parameter_format"),
        ({"accesses_mcp": True}, "accesses_mcp"),
        ({"reference_visibility": "private"}, "reference_visibility"),
        ({"runtime_ref": "core.python", "runner_type": "shell"}, "runtime_ref"),
        ({"enabeld": False}, "enabeld"),
    ],
)
def test_create_refuses_an_invalid_field_and_writes_nothing(api_client, make_pack, fields, field):
    make_pack("demo")
    body = {key: value for key, value in create_body(**fields).items() if value is not None}
    response = api_client.post(URL, body, format="json")
    details = assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert field in details, details
    assert not Action.objects.filter(pack__ref="demo").exists()


def test_create_of_a_taken_ref_is_a_409(api_client, make_action):
    make_action("demo.restart")
    assert_error(api_client.post(URL, create_body()), 409, "CONFLICT")


def test_create_in_an_unknown_pack_is_a_404(api_client):
    assert_error(api_client.post(URL, create_body()), 404, "NOT_FOUND")


def test_create_in_the_core_pack_is_refused(api_client):
    body = create_body(ref="core.mine", pack_ref="core")
    assert "core pack" in assert_error(api_client.post(URL, body), 403, "FORBIDDEN")["error"]
    assert not Action.objects.filter(ref="core.mine").exists()


# --- update and delete ---------------------------------------------------------------------


def test_update_changes_only_the_fields_sent(api_client, make_action):
    make_action("demo.restart", description="Keep", parameters=PARAMS)
    response = api_client.put(
        f"{URL}/demo.restart", {"label": "Restart now", "param_schema": None}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Action updated successfully"
    action = Action.objects.get(ref="demo.restart")
    assert (action.label, action.description, action.parameters, action.revision) == (
        "Restart now",
        "Keep",
        PARAMS,
        2,
    )


@pytest.mark.parametrize(
    "patch, expected", [(45, 45), ({"op": "set", "value": 90}, 90), ({"op": "clear"}, None)]
)
def test_update_sets_or_clears_the_timeout_as_attune_does(api_client, make_action, patch, expected):
    make_action("demo.restart", timeout=10)
    response = api_client.put(f"{URL}/demo.restart", {"timeout_seconds": patch}, format="json")
    assert response.status_code == 200, response.content
    assert Action.objects.get(ref="demo.restart").timeout == expected


@pytest.mark.parametrize("patch", [0, 2**31, "10", {"op": "set"}, {"op": "bump", "value": 1}, True])
def test_update_refuses_a_bad_timeout(api_client, make_action, patch):
    make_action("demo.restart", timeout=10)
    body = assert_error(
        api_client.put(f"{URL}/demo.restart", {"timeout_seconds": patch}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert "timeout_seconds" in body["details"]
    assert Action.objects.get(ref="demo.restart").timeout == 10


def test_update_cannot_change_the_ref_or_pack(api_client, make_action, make_pack):
    make_action("demo.restart")
    make_pack("other")
    for field, value in (("ref", "demo.renamed"), ("pack_ref", "other")):
        body = assert_error(api_client.put(f"{URL}/demo.restart", {field: value}), 400, "VALIDATION_ERROR")
        assert field in body["details"]
    assert Action.objects.get(ref="demo.restart").pack.ref == "demo"


def test_update_with_a_stale_if_match_is_a_412_and_writes_nothing(api_client, make_action):
    action = make_action("demo.restart")
    stale = f'"{action.pk}-{action.revision}"'
    assert api_client.put(f"{URL}/demo.restart", {"label": "One"}, HTTP_IF_MATCH=stale).status_code == 200
    assert_error(
        api_client.put(f"{URL}/demo.restart", {"label": "Two"}, HTTP_IF_MATCH=stale),
        412,
        "PRECONDITION_FAILED",
    )
    assert Action.objects.get(ref="demo.restart").label == "One"


def test_delete_removes_the_action(api_client, make_action):
    action = make_action("demo.restart")
    response = api_client.delete(f"{URL}/demo.restart", HTTP_IF_MATCH=f'"{action.pk}-{action.revision}"')
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Action 'demo.restart' deleted successfully"}
    assert not Action.objects.filter(ref="demo.restart").exists()


def test_delete_of_an_unknown_ref_is_a_404(api_client):
    assert_error(api_client.delete(f"{URL}/demo.nosuch"), 404, "NOT_FOUND")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_core_action_cannot_be_changed_or_deleted(api_client, method):
    before = Action.objects.get(ref="core.echo")
    response = getattr(api_client, method)(f"{URL}/core.echo", {"label": "Mine"}, format="json")
    assert "core pack" in assert_error(response, 403, "FORBIDDEN")["error"]
    after = Action.objects.get(ref="core.echo")
    assert (after.label, after.revision) == (before.label, before.revision)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_workflow_action_is_managed_through_its_workflow(api_client, make_workflow, method):
    workflow = make_workflow("demo.deploy")
    Action.objects.create(
        ref="demo.deploy", pack=workflow.pack, label="Deploy", runner_type="workflow", workflow=workflow
    )
    response = getattr(api_client, method)(f"{URL}/demo.deploy", {"label": "Mine"}, format="json")
    assert "/api/v1/workflows/demo.deploy" in assert_error(response, 409, "CONFLICT")["error"]
    assert Action.objects.get(ref="demo.deploy").label == "Deploy"


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "perm, method, url, body",
    [
        ("actions.add_action", "post", URL, create_body()),
        ("actions.change_action", "put", f"{URL}/demo.restart", {"label": "X"}),
        ("actions.delete_action", "delete", f"{URL}/demo.restart", None),
    ],
)
def test_each_write_needs_its_model_permission(make_user, make_action, perm, method, url, body):
    make_action("demo.restart" if method != "post" else "demo.other")
    without = client_for(make_user("without"))
    assert_error(getattr(without, method)(url, body, format="json"), 403, "FORBIDDEN")
    assert Action.objects.filter(pack__ref="demo").count() == 1
    allowed = client_for(make_user("allowed", perms=[perm]))
    assert getattr(allowed, method)(url, body, format="json").status_code in (200, 201)


def test_deleting_a_pack_with_actions_also_needs_the_action_delete_permission(make_user, make_action):
    make_action("demo.restart")
    only_packs = client_for(make_user("packs", perms=["packs.delete_pack"]))
    body = assert_error(only_packs.delete("/api/v1/packs/demo"), 403, "FORBIDDEN")
    assert "actions.delete_action" in body["error"]
    both = client_for(make_user("both", perms=["packs.delete_pack", "actions.delete_action"]))
    assert both.delete("/api/v1/packs/demo").status_code == 200
    assert not Action.objects.filter(ref="demo.restart").exists()
