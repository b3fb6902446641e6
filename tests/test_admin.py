"""The Django admin: pages render, the shared validator guards the forms, bulk actions work."""

import json

import pytest

from packs.models import Pack
from tests.conftest import DEFINITION
from workflows.models import Workflow


def workflow_form(pack, **overrides):
    data = {
        "ref": "demo.new_flow",
        "pack": pack.pk,
        "label": "New flow",
        "description": "",
        "version": "1.0.0",
        "enabled": "on",
        "tags": "a, b, a",
        "param_schema": "",
        "out_schema": "",
        "definition": json.dumps(DEFINITION),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/packs/pack/",
        "/admin/packs/pack/add/",
        "/admin/workflows/workflow/",
        "/admin/workflows/workflow/add/",
        "/admin/workflows/workflow/?enabled__exact=1&q=flow",
    ],
)
def test_admin_pages_render(admin_browser, make_workflow, path):
    make_workflow("demo.flow", tags=["x"])
    response = admin_browser.get(path)
    assert response.status_code == 200
    assert b"Attune administration" in response.content


def test_change_pages_render_with_pretty_json(admin_browser, make_workflow):
    workflow = make_workflow("demo.flow", param_schema={"host": {"type": "string"}})
    page = admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    assert page.status_code == 200
    assert b"&quot;tasks&quot;: [\n" in page.content  # indented JSON
    pack_page = admin_browser.get(f"/admin/packs/pack/{workflow.pack_id}/change/")
    assert pack_page.status_code == 200
    assert b"demo.flow" in pack_page.content  # the read-only workflow inline
    assert f"/admin/workflows/workflow/{workflow.pk}/change/".encode() in pack_page.content


def test_workflow_changelist_has_no_n_plus_one(admin_browser, make_pack, django_assert_max_num_queries):
    pack = make_pack("bulk")
    Workflow.objects.bulk_create(
        Workflow(ref=f"bulk.w{i}", pack=pack, label="W", version="1.0.0", definition=DEFINITION)
        for i in range(40)
    )
    with django_assert_max_num_queries(12):
        assert admin_browser.get("/admin/workflows/workflow/").status_code == 200


def test_pack_changelist_shows_workflow_counts(admin_browser, make_workflow):
    make_workflow("demo.one")
    make_workflow("demo.two")
    response = admin_browser.get("/admin/packs/pack/")
    assert response.status_code == 200
    assert b'<td class="field-workflow_count">2</td>' in response.content


def test_admin_creates_a_valid_workflow_with_normalised_tags(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post("/admin/workflows/workflow/add/", workflow_form(pack))
    assert response.status_code == 302
    workflow = Workflow.objects.get(ref="demo.new_flow")
    assert workflow.tags == ["a", "b"]
    assert workflow.definition == DEFINITION
    assert workflow.param_schema is None


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"definition": json.dumps({"tasks": []})}, b"tasks"),
        (
            {
                "definition": json.dumps(
                    {
                        "version": "1.0.0",
                        "tasks": [{"name": "a", "action": "core.echo"}, {"name": "a", "action": "core.echo"}],
                    }
                )
            },
            b"used twice",
        ),
        ({"definition": "{not json"}, b"Not valid YAML or JSON: line 2, column 1"),
        ({"param_schema": json.dumps({"x": {"type": "nope"}})}, b"Invalid schema"),
        ({"ref": "other.flow"}, b"must start with its pack"),
        ({"version": "1" * 51}, b"at most 50 characters"),
        ({"tags": "x" * 70}, b"1-64 characters"),
    ],
)
def test_admin_rejects_what_the_api_rejects(admin_browser, make_pack, overrides, message):
    pack = make_pack("demo")
    response = admin_browser.post("/admin/workflows/workflow/add/", workflow_form(pack, **overrides))
    assert response.status_code == 200  # the form again, with errors
    assert message in response.content
    assert not Workflow.objects.exists()


def test_admin_edit_with_invalid_definition_keeps_the_stored_one(admin_browser, make_workflow):
    workflow = make_workflow("demo.flow")
    data = workflow_form(workflow.pack, ref="demo.flow", definition=json.dumps({"tasks": "nope"}))
    response = admin_browser.post(f"/admin/workflows/workflow/{workflow.pk}/change/", data)
    assert response.status_code == 200
    workflow.refresh_from_db()
    assert workflow.definition == DEFINITION


def test_admin_rejects_pack_config_that_breaks_its_schema(admin_browser):
    data = {
        "ref": "slack",
        "label": "Slack",
        "description": "",
        "version": "1.0.0",
        "tags": "",
        "conf_schema": json.dumps({"port": {"type": "integer"}}),
        "config": json.dumps({"port": "x"}),
        "meta": "{}",
        "dependencies": "[]",
        "runtime_deps": "[]",
        "worker_selector": "{}",
        "worker_tolerations": "[]",
        "worker_affinity": "{}",
        "workflows-TOTAL_FORMS": "0",
        "workflows-INITIAL_FORMS": "0",
    }
    response = admin_browser.post("/admin/packs/pack/add/", data)
    assert response.status_code == 200
    assert b"Does not match conf_schema" in response.content
    assert not Pack.objects.exclude(ref="core").exists()
    data["config"] = json.dumps({"port": 8080})
    assert admin_browser.post("/admin/packs/pack/add/", data).status_code == 302
    assert Pack.objects.get(ref="slack").config == {"port": 8080}


@pytest.mark.parametrize(
    "action, before, after", [("enable_workflows", False, True), ("disable_workflows", True, False)]
)
def test_bulk_enable_and_disable(admin_browser, make_workflow, action, before, after):
    chosen = [make_workflow(f"demo.w{i}", enabled=before) for i in range(2)]
    untouched = make_workflow("demo.other", enabled=before)
    response = admin_browser.post(
        "/admin/workflows/workflow/",
        {"action": action, "_selected_action": [w.pk for w in chosen]},
    )
    assert response.status_code == 302
    assert set(Workflow.objects.filter(pk__in=[w.pk for w in chosen]).values_list("enabled", flat=True)) == {
        after
    }
    untouched.refresh_from_db()
    assert untouched.enabled is before


def test_admin_lists_definition_problems_with_their_line(admin_browser, make_pack):
    pack = make_pack("demo")
    text = '{\n  "version": "1.0.0",\n  "tasks": [\n    {"name": "a", "action": "core.echo", "on_sucess": "b"}\n  ]\n}'
    response = admin_browser.post("/admin/workflows/workflow/add/", workflow_form(pack, definition=text))
    assert response.status_code == 200
    assert b"line 4, column 42: W001-unknown-key at /tasks/0/on_sucess" in response.content
    assert not Workflow.objects.exists()


def test_admin_saves_the_normalised_definition_and_shows_warnings(admin_browser, make_pack):
    pack = make_pack("demo")
    definition = {
        "version": "1.0.0",
        "tasks": [
            {"name": "start", "action": "core.echo", "on_complete": "poll"},
            {"name": "poll", "action": "core.http", "on_success": "wait"},
            {"name": "wait", "action": "core.sleep", "on_success": "poll"},
        ],
    }
    response = admin_browser.post(
        "/admin/workflows/workflow/add/", workflow_form(pack, definition=json.dumps(definition)), follow=True
    )
    assert response.status_code == 200
    assert b"W107-status-guarded-cycle at /tasks/1/next/0/do/0" in response.content
    assert b"Warning: " in response.content
    stored = Workflow.objects.get(ref="demo.new_flow").definition
    assert stored["tasks"][0]["next"] == [{"do": ["poll"]}]


def test_workflow_change_page_shows_the_task_graph_picture(admin_browser, make_workflow):
    workflow = make_workflow("demo.flow")
    page = admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    # Both themes, the admin's own shown by CSS; each picture draws the one task.
    assert '<div class="task-graph task-graph-light"><svg xmlns="http://www.w3.org/2000/svg"' in content
    assert '<div class="task-graph task-graph-dark"><svg xmlns="http://www.w3.org/2000/svg"' in content
    assert content.count('<g class="task entry" data-name="') == 2
    assert 'html[data-theme="dark"] .task-graph-dark{display:block}' in content
