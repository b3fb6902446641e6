"""Rules that need persistence: S1 (snapshot at start), S2 (parameter defaults), S24
(`config`, `system.*`), B11b (nesting depth), B14 and the statuses, each with its twin."""

import pytest

from executions.models import Execution, Status

from .conftest import task_runs
from .test_runs import APPROVAL, orchestration_view

GREET = """
tasks:
  - name: say
    action: core.echo
    input: {message: "hello {{ parameters.who }}"}
output_map: {said: "{{ task.say.stdout }}"}
"""


def answer(execution, make_user, capture):
    from executions import inquiries
    from executions.models import Inquiry

    with capture(execute=True):
        inquiries.respond(Inquiry.objects.get().id, {"approved": True}, make_user("approver", superuser=True))
    execution.refresh_from_db()
    return execution


def test_s1_a_running_execution_keeps_the_definition_it_started_with(
    flow, run_flow, make_user, django_capture_on_commit_callbacks
):
    workflow = flow(APPROVAL)
    execution = run_flow("demo.flow")
    workflow.definition["tasks"][1]["input"]["message"] = "edited"
    workflow.save()
    execution = answer(execution, make_user, django_capture_on_commit_callbacks)
    assert execution.result["said"] == "approved=true"


def test_s1_twin_an_execution_started_after_the_edit_runs_the_edited_definition(flow, run_flow):
    workflow = flow(GREET, param_schema={"who": {"type": "string"}})
    workflow.definition["tasks"][0]["input"]["message"] = "edited"
    workflow.save()
    assert run_flow("demo.flow", {"who": "x"}).result["said"] == "edited"


@pytest.mark.parametrize("parameters", [{}, {"who": None}])
def test_s2_a_missing_or_null_parameter_takes_the_schema_default(flow, run_flow, parameters):
    flow(GREET, param_schema={"who": {"type": "string", "default": "world"}})
    execution = run_flow("demo.flow", parameters)
    assert (execution.status, execution.result["said"]) == (Status.COMPLETED, "hello world")


def test_s2_twin_a_given_parameter_wins_over_the_default(flow, run_flow):
    flow(GREET, param_schema={"who": {"type": "string", "default": "world"}})
    assert run_flow("demo.flow", {"who": "you"}).result["said"] == "hello you"


SYSTEM = """
tasks:
  - name: say
    action: core.noop
output_map:
  id: "{{ system.execution_id }}"
  ref: "{{ system.workflow_ref }}"
  root: "{{ system.root_execution_id }}"
  parent: "{{ system.parent_execution_id }}"
  started: "{{ system.start_time == system.workflow_start and system.start_time is string }}"
"""


def test_s24_system_execution_id_is_the_workflows_own_execution(flow, run_flow):
    flow(SYSTEM)
    execution = run_flow("demo.flow")
    assert execution.result == {
        "id": execution.id, "ref": "demo.flow", "root": execution.id, "parent": None, "started": True,
        "succeeded": True,
    }  # fmt: skip


def test_s24_twin_a_nested_workflow_sees_its_own_id_and_its_root_and_parent(flow, run_flow):
    flow(SYSTEM, name="child")
    flow("""
tasks:
  - name: nested
    type: workflow
    action: demo.child
output_map: {child: "{{ task.nested }}"}
""")
    execution = run_flow("demo.flow")
    child = Execution.objects.get(parent=execution, task_name="nested")
    assert execution.result["child"] == {
        "id": child.id, "ref": "demo.child", "root": execution.id, "parent": execution.id, "started": True,
        "succeeded": True,
    }  # fmt: skip


CONFIG = """
tasks:
  - name: say
    action: core.echo
    input: {message: "{{ config.greeting }}"}
output_map: {said: "{{ task.say.stdout }}"}
"""


def test_s24_config_is_the_owning_packs_config(flow, run_flow, make_pack):
    flow(CONFIG, pack=make_pack("demo", config={"greeting": "from config"}))
    assert run_flow("demo.flow").result["said"] == "from config"


def test_s24_twin_config_is_snapshotted_at_start_and_parameters_do_not_leak_into_it(
    flow, run_flow, make_pack
):
    pack = make_pack("demo", config={"greeting": "first"})
    flow(CONFIG, pack=pack, param_schema={"greeting": {"type": "string"}})
    execution = run_flow("demo.flow", {"greeting": "param"})
    pack.config = {"greeting": "second"}
    pack.save()
    assert execution.result["said"] == "first"
    assert execution.workflow_execution.config == {"greeting": "first"}


RECURSE = """
tasks:
  - name: again
    type: workflow
    action: demo.flow
    when: "{{ parameters.n > 0 }}"
    input: {n: "{{ parameters.n - 1 }}"}
output_map: {n: "{{ parameters.n }}"}
"""


@pytest.mark.parametrize("depth, status", [(2, Status.COMPLETED), (3, Status.FAILED)])
def test_b11b_nesting_at_the_limit_and_just_over(flow, run_flow, settings, depth, status):
    settings.ATTUNE_MAX_WORKFLOW_NESTING = 2
    flow(RECURSE, param_schema={"n": {"type": "integer"}})
    execution = run_flow("demo.flow", {"n": depth})
    assert execution.status == status, execution.result
    deepest = Execution.objects.filter(kind="workflow").order_by("-id").first()
    if status == Status.FAILED:
        assert "ATTUNE_MAX_WORKFLOW_NESTING (2)" in str(deepest.result)


def test_b14_a_never_triggered_task_has_no_run_row_and_is_not_run(flow, run_flow):
    flow("""
tasks:
  - name: first
    action: core.noop
    next: [{when: "{{ failed() }}", do: [cleanup]}]
  - name: cleanup
    action: core.noop
""")
    execution = run_flow("demo.flow")
    assert [run[0] for run in task_runs(execution)] == ["first"]
    states = {task["name"]: task["status"] for task in orchestration_view(execution)}
    assert states == {"first": "succeeded", "cleanup": "not_run"}


def test_b14_twin_a_retried_task_run_records_retry_count_from_0(flow, run_flow):
    flow("""
tasks:
  - name: boom
    action: core.fail
    input: {message: nope}
    retry: {count: 1}
    next: [{when: "{{ failed() }}", do: [cleanup]}]
  - name: cleanup
    action: core.noop
""")
    execution = run_flow("demo.flow")
    runs = Execution.objects.filter(parent=execution, task_name="boom").order_by("id")
    assert [run.workflow_task["retry_count"] for run in runs] == [0, 1]
    assert execution.status == Status.COMPLETED
