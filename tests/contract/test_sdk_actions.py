"""Attune's client lists, reads, creates, updates and deletes actions, unmodified."""

import pytest

from actions.models import Action
from tests.contract.conftest import SdkFailed

PARAMS = {"host": {"type": "string", "required": True}}


@pytest.fixture
def actions(make_pack):
    demo, net = make_pack("demo"), make_pack("net")
    for ref, pack, fields in (
        ("demo.restart", demo, {"description": "Restart a host", "timeout": 60}),
        ("demo.backup", demo, {}),
        ("net.ping", net, {"runner_type": "shell", "entry_point": "ping.sh"}),
    ):
        fields.setdefault("runner_type", "python")
        fields.setdefault("entry_point", f"{ref.split('.')[1]}.py")
        Action.objects.create(ref=ref, pack=pack, label=ref.title(), **fields)


def test_sdk_lists_actions_with_every_summary_field(run_sdk, root_token, actions):
    result = run_sdk("list_actions_filtered", token=root_token, q="restart")
    (item,) = result["items"]
    assert item == {
        "id": Action.objects.get(ref="demo.restart").pk,
        "ref": "demo.restart",
        "pack_ref": "demo",
        "label": "Demo.Restart",
        "description": "Restart a host",
        "entrypoint": "restart.py",
        "enabled": True,
        "timeout_seconds": 60,
        "workflow_def": None,
        "accesses_mcp": False,
        "reference_visibility": "public",
    }


def test_sdk_pages_through_actions(run_sdk, root_token, actions):
    # The core pack's 9 actions come first (core.* sorts before demo.*).
    result = run_sdk("list_actions_filtered", token=root_token, page=2, page_size=10)
    assert [item["ref"] for item in result["items"]] == ["demo.restart", "net.ping"]
    assert result["pagination"]["total_items"] == 12


def test_sdk_lists_the_actions_of_a_pack(run_sdk, root_token, actions):
    assert run_sdk("list_actions_of_pack", token=root_token, pack_ref="demo")["refs"] == [
        "demo.backup",
        "demo.restart",
    ]
    assert run_sdk("list_actions_of_pack", token=root_token, pack_ref="demo", q="back")["refs"] == [
        "demo.backup"
    ]


def test_sdk_listing_the_actions_of_an_unknown_pack_fails(run_sdk, root_token, actions):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("list_actions_of_pack", token=root_token, pack_ref="nosuch")


def test_sdk_reads_a_core_action(run_sdk, root_token):
    result = run_sdk("get_one_action", token=root_token, ref="core.echo")
    echo = Action.objects.get(ref="core.echo")
    assert (result["id"], result["pack"], result["entrypoint"], result["is_adhoc"]) == (
        echo.id,
        echo.pack_id,
        "echo",
        False,
    )
    assert result["param_schema"] == echo.parameters


def test_sdk_creates_an_action(run_sdk, root_token, make_pack):
    make_pack("demo")
    body = {
        "ref": "demo.restart",
        "pack_ref": "demo",
        "label": "Restart",
        "entrypoint": "restart.py",
        "runtime_ref": "core.python",
        "param_schema": PARAMS,
        "timeout_seconds": 120,
    }
    result = run_sdk("create_an_action", token=root_token, body=body)
    action = Action.objects.get(ref="demo.restart")
    assert (result["id"], result["is_adhoc"], result["param_schema"]) == (action.id, True, PARAMS)
    assert (action.runner_type, action.entry_point, action.timeout) == ("python", "restart.py", 120)


def test_sdk_updates_an_action(run_sdk, root_token, actions):
    body = {"label": "Restart now", "timeout_seconds": {"op": "set", "value": 30}, "param_schema": PARAMS}
    result = run_sdk("update_an_action", token=root_token, ref="demo.restart", body=body)
    assert (result["label"], result["timeout_seconds"], result["param_schema"]) == ("Restart now", 30, PARAMS)
    run_sdk(
        "update_an_action", token=root_token, ref="demo.restart", body={"timeout_seconds": {"op": "clear"}}
    )
    action = Action.objects.get(ref="demo.restart")
    assert (action.label, action.timeout, action.description) == ("Restart now", None, "Restart a host")


def test_sdk_deletes_an_action(run_sdk, root_token, actions):
    result = run_sdk("delete_an_action", token=root_token, ref="net.ping")
    assert result["message"] == "Action 'net.ping' deleted successfully"
    assert not Action.objects.filter(ref="net.ping").exists()
    assert run_sdk("delete_a_missing_action", token=root_token, ref="net.ping") == {"status": 404}
