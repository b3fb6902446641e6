"""Attune's client runs actions and reads, lists and cancels executions, unmodified.

The live server is a thread of the test process with the inline transport, so a run made
through the API has finished by the time the 201 answer is sent.
"""

import pytest

from actions.models import Action
from executions.models import Execution, Status
from tests.contract.conftest import SdkFailed


@pytest.fixture
def demo(make_pack):
    pack = make_pack("demo")
    schema = {"message": {"type": "string", "default": "hi"}, "token": {"type": "string", "secret": True}}
    return {
        name: Action.objects.create(
            ref=f"demo.{name}",
            pack=pack,
            label=name,
            runner_type="builtin",
            entry_point=name,
            parameters=schema,
        )
        for name in ("echo", "fail", "sleep")
    }


def test_sdk_runs_an_action(run_sdk, root_token, demo):
    body = {
        "action_ref": "demo.echo",
        "parameters": {"message": "hello sdk", "token": "t0ken"},
        "timeout_seconds": 30,
    }
    result = run_sdk("create_an_execution", token=root_token, body=body)
    execution = Execution.objects.get()
    assert (result["id"], result["action"], result["action_ref"]) == (
        execution.id,
        demo["echo"].id,
        "demo.echo",
    )
    assert (result["status"], result["timeout_seconds"], result["executor"]) == (
        "completed",
        30,
        execution.executor_id,
    )
    assert result["config"] == {"message": "hello sdk", "token": "********"}
    assert result["result"]["stdout"] == "hello sdk"
    assert execution.input["token"] == "t0ken"


def test_sdk_env_vars_reach_the_row(run_sdk, root_token, demo):
    run_sdk(
        "create_an_execution", token=root_token, body={"action_ref": "demo.echo", "env_vars": {"DEBUG": "1"}}
    )
    assert Execution.objects.get().env_vars == {"DEBUG": "1"}


@pytest.mark.parametrize(
    "body, status",
    [
        ({"action_ref": "demo.nope"}, 404),
        ({"action_ref": "demo.echo", "parameters": {"message": 5}}, 400),
        ({"action_ref": "demo.echo", "env_vars": {"LD_PRELOAD": "/x.so"}}, 400),
    ],
)
def test_sdk_refused_runs_create_nothing(run_sdk, root_token, demo, body, status):
    result = run_sdk("create_an_execution_refused", token=root_token, body=body)
    assert result["status"] == status and result["body"]["code"] in ("NOT_FOUND", "VALIDATION_ERROR")
    assert not Execution.objects.exists()


def test_sdk_reads_an_execution(run_sdk, root_token, demo):
    execution = Execution.objects.create(
        action=demo["fail"], action_ref="demo.fail", status=Status.FAILED, config={"token": "********"},
        input={"token": "secret-1"}, result={"succeeded": False, "error": "no secret-1"},
    )  # fmt: skip
    result = run_sdk("get_one_execution", token=root_token, id=execution.id)
    assert (result["status"], result["config"]) == ("failed", {"token": "********"})
    assert result["result"] == {"succeeded": False, "error": "no ********"}


def test_sdk_gets_nothing_for_an_unknown_execution(run_sdk, root_token, db):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("get_one_execution", token=root_token, id=424242)


@pytest.fixture
def tree(demo):
    parent = Execution.objects.create(
        action=demo["echo"], action_ref="demo.echo", status=Status.COMPLETED, result={}
    )
    child = Execution.objects.create(
        action=demo["fail"], action_ref="demo.fail", status=Status.FAILED, parent=parent
    )
    other = Execution.objects.create(action_ref="ops.restart", status=Status.SCHEDULED)
    return {"parent": parent.id, "child": child.id, "other": other.id}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({}, ["other", "child", "parent"]),
        ({"status": "failed"}, ["child"]),
        ({"action_ref": "demo.*"}, ["child", "parent"]),
        ({"pack_name": "ops"}, ["other"]),
        ({"top_level_only": True}, ["other", "parent"]),
        ({"per_page": 1, "page": 2}, ["child"]),
    ],
)
def test_sdk_lists_and_filters_executions(run_sdk, root_token, tree, filters, expected):
    result = run_sdk("list_executions_filtered", token=root_token, **filters)
    assert [item["id"] for item in result["items"]] == [tree[name] for name in expected]


def test_sdk_lists_the_children_of_an_execution_with_totals(run_sdk, root_token, tree):
    result = run_sdk("list_executions_filtered", token=root_token, parent=tree["parent"], include_total=True)
    assert result["items"] == [
        {"id": tree["child"], "action_ref": "demo.fail", "status": "failed", "parent": tree["parent"]}
    ]
    assert (result["pagination"]["total_items"], result["pagination"]["has_next"]) == (1, False)


def test_sdk_cancels_a_scheduled_execution(run_sdk, root_token, tree):
    result = run_sdk("cancel_an_execution", token=root_token, id=tree["other"])
    assert result["status"] == "cancelled" and result["result"]["succeeded"] is False
    assert Execution.objects.get(id=tree["other"]).status == Status.CANCELLED


def test_sdk_cancel_of_a_finished_execution_is_a_409(run_sdk, root_token, tree):
    assert run_sdk("cancel_an_execution", token=root_token, id=tree["parent"], expect_status=409) == {
        "status": 409
    }
    assert Execution.objects.get(id=tree["parent"]).status == Status.COMPLETED
