"""Attune's client lists, reads, creates, updates and deletes workflows, unmodified."""

import pytest

from tests.conftest import DEFINITION
from tests.contract.conftest import SdkFailed
from workflows.models import Workflow

PARAMS = {"type": "object", "properties": {"host": {"type": "string"}}}


@pytest.fixture
def workflows(make_workflow):
    make_workflow("demo.echo_flow", tags=["demo"])
    make_workflow("demo.restart", tags=["ops"], description="Restart a host")
    make_workflow("net.backup", tags=["ops"])


def test_sdk_lists_workflows(run_sdk, root_token, workflows):
    result = run_sdk("list_workflows_filtered", token=root_token)
    assert result["refs"] == ["net.backup", "demo.echo_flow", "demo.restart"]
    assert result["pagination"]["total_items"] == 3


@pytest.mark.parametrize(
    "filters, refs",
    [
        ({"tags": "ops"}, ["net.backup", "demo.restart"]),
        ({"tags": "nosuch"}, []),
        ({"search": "restart a"}, ["demo.restart"]),
        ({"pack_ref": "net"}, ["net.backup"]),
        ({"page": 2, "page_size": 2}, ["demo.restart"]),
    ],
)
def test_sdk_filters_workflows(run_sdk, root_token, workflows, filters, refs):
    assert run_sdk("list_workflows_filtered", token=root_token, **filters)["refs"] == refs


def test_sdk_lists_the_workflows_of_a_pack(run_sdk, root_token, workflows):
    result = run_sdk("list_workflows_of_pack", token=root_token, pack_ref="demo")
    assert result["refs"] == ["demo.echo_flow", "demo.restart"]


def test_sdk_listing_the_workflows_of_an_unknown_pack_fails(run_sdk, root_token, workflows):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("list_workflows_of_pack", token=root_token, pack_ref="nosuch")


def test_sdk_reads_a_workflow(run_sdk, root_token, make_workflow):
    workflow = make_workflow("demo.restart", param_schema=PARAMS)
    result = run_sdk("get_one_workflow", token=root_token, ref="demo.restart")
    assert (result["id"], result["pack"], result["pack_ref"]) == (workflow.id, workflow.pack_id, "demo")
    assert (result["param_schema"], result["out_schema"]) == (PARAMS, None)
    assert result["definition"] == workflow.definition


def test_sdk_creates_a_workflow(run_sdk, root_token, make_pack):
    make_pack("demo")
    body = {
        "ref": "demo.restart",
        "pack_ref": "demo",
        "label": "Restart",
        "version": "1.0.0",
        "param_schema": PARAMS,
        "out_schema": {},
        "definition": DEFINITION,
        "tags": ["ops"],
    }
    result = run_sdk("create_a_workflow", token=root_token, body=body)
    workflow = Workflow.objects.get(ref="demo.restart")
    assert (result["id"], result["pack_ref"], result["tags"]) == (workflow.id, "demo", ["ops"])
    assert (workflow.param_schema, workflow.tags) == (PARAMS, ["ops"])


def test_sdk_create_in_an_unknown_pack_fails(run_sdk, root_token, db):
    body = {
        "ref": "nosuch.restart",
        "pack_ref": "nosuch",
        "label": "Restart",
        "version": "1.0.0",
        "param_schema": {},
        "out_schema": {},
        "definition": DEFINITION,
    }
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("create_a_workflow", token=root_token, body=body)
    assert not Workflow.objects.exists()


def test_sdk_updates_only_the_fields_it_sets(run_sdk, root_token, make_workflow):
    make_workflow("demo.restart", param_schema=PARAMS, tags=["ops"])
    result = run_sdk("update_a_workflow", token=root_token, ref="demo.restart", body={"label": "Reboot"})
    assert result["label"] == "Reboot"
    workflow = Workflow.objects.get(ref="demo.restart")
    assert (workflow.label, workflow.param_schema, workflow.tags) == ("Reboot", PARAMS, ["ops"])
    assert workflow.definition == DEFINITION


def test_sdk_update_with_a_broken_definition_fails(run_sdk, root_token, make_workflow):
    make_workflow("demo.restart")
    with pytest.raises(SdkFailed, match="400"):
        run_sdk("update_a_workflow", token=root_token, ref="demo.restart", body={"definition": {"tasks": 3}})
    assert Workflow.objects.get(ref="demo.restart").definition == DEFINITION


def test_sdk_deletes_a_workflow(run_sdk, root_token, workflows):
    assert run_sdk("delete_a_workflow", token=root_token, ref="demo.restart")["message"]
    assert set(Workflow.objects.values_list("ref", flat=True)) == {"demo.echo_flow", "net.backup"}


def test_sdk_delete_of_an_unknown_workflow_fails(run_sdk, root_token, workflows):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("delete_a_workflow", token=root_token, ref="demo.nosuch")
    assert Workflow.objects.count() == 3
