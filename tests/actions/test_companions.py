"""A workflow's companion action follows its workflow's API and admin edits; disk wins on sync."""

import pytest

from actions.models import Action
from packs.ondisk.loader import read_pack
from packs.ondisk.sync import load_packs
from tests.packs.conftest import PackBuilder
from workflows.models import Workflow


@pytest.fixture
def loaded(db, tmp_path):
    pack = PackBuilder(tmp_path, "demo").action_workflow("deploy")
    load_packs([read_pack(pack.path)])
    return pack


def test_an_api_update_of_the_workflow_updates_its_action(api_client, loaded):
    before = Action.objects.get(ref="demo.deploy")
    body = {"label": "Deploy now", "enabled": False, "param_schema": {"env": {"type": "string"}}}
    response = api_client.put("/api/v1/workflows/demo.deploy", body, format="json")
    assert response.status_code == 200, response.content
    action = Action.objects.get(ref="demo.deploy")
    assert (action.label, action.enabled, action.parameters) == (
        "Deploy now",
        False,
        {"env": {"type": "string"}},
    )
    assert action.revision == before.revision + 1


def test_an_update_of_another_workflow_touches_no_action(api_client, loaded, make_workflow):
    make_workflow("demo.other")
    before = list(Action.objects.values_list("ref", "revision"))
    assert api_client.put("/api/v1/workflows/demo.other", {"label": "X"}).status_code == 200
    assert list(Action.objects.values_list("ref", "revision")) == before


def test_the_admins_bulk_disable_disables_the_companion_too(admin_browser, loaded):
    workflow = Workflow.objects.get(ref="demo.deploy")
    admin_browser.post(
        "/admin/workflows/workflow/", {"action": "disable_workflows", "_selected_action": [workflow.pk]}
    )
    assert Action.objects.get(ref="demo.deploy").enabled is False


def test_a_sync_puts_both_back_from_disk(api_client, loaded):
    api_client.put("/api/v1/workflows/demo.deploy", {"label": "Deploy now"}, format="json")
    plan = load_packs([read_pack(loaded.path)])[0]
    assert {c.ref: c.fields for c in plan.actions} == {"demo.deploy": ["label"]}
    assert (
        Action.objects.get(ref="demo.deploy").label
        == Workflow.objects.get(ref="demo.deploy").label
        == "Deploy"
    )
