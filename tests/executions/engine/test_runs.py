"""The engine end to end (inline transport): skips, retries, with_items, nested workflows,
inquiries, cancellation, and repair of a crash between a run's end and its advance."""

from executions import inquiries, lifecycle, orchestration, sweeper, worker
from executions.models import Execution, Inquiry, Status

from .conftest import APPROVAL, task_runs


def test_s7_a_false_guard_skips_without_a_run(flow, run_flow):
    flow("""
tasks:
  - name: maybe
    action: core.noop
    when: "{{ false }}"
    next: [{do: [after]}]
  - name: after
    action: core.noop
""")
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED
    assert [run[0] for run in task_runs(execution)] == ["after"]
    states = {task["name"]: task["status"] for task in orchestration_view(execution)}
    assert states == {"maybe": "skipped", "after": "succeeded"}


def orchestration_view(execution):
    from executions.conductor import task_view

    workflow_execution = execution.workflow_execution
    return task_view(workflow_execution.definition, workflow_execution.state)


def test_s9_a_failing_task_is_retried_then_fails_the_workflow(flow, run_flow):
    flow("""
tasks:
  - name: boom
    action: core.fail
    input: {message: nope}
    retry: {count: 2}
""")
    execution = run_flow("demo.flow")
    assert execution.status == Status.FAILED
    assert execution.result == {"error": "Workflow failed: 1 task(s) failed: boom", "succeeded": False}
    assert task_runs(execution) == [("boom", 1, None, attempt, "failed") for attempt in range(3)]


def test_s15_with_items_aggregates_results_in_index_order(flow, run_flow):
    flow(
        """
tasks:
  - name: each
    action: core.echo
    with_items: "{{ parameters.names }}"
    concurrency: 2
    input: {message: "hi {{ item }}"}
output_map:
  said: "{{ task.each | map(attribute='stdout') | list }}"
""",
        param_schema={"names": {"type": "array", "default": ["a", "b", "c"]}},
    )
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result["said"] == ["hi a", "hi b", "hi c"]
    assert sorted(run[2] for run in task_runs(execution)) == [0, 1, 2]


def test_a1_an_unknown_action_fails_the_task_without_a_run(flow, run_flow):
    flow("""
tasks:
  - name: ghost
    action: nope.missing
    next: [{when: "{{ failed() }}", publish: [{why: "{{ result().error }}"}], do: [report]}]
  - name: report
    action: core.noop
output_map: {why: "{{ workflow.why }}"}
""")
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED
    assert execution.result["why"] == "unknown action 'nope.missing'"
    ghost = Execution.objects.get(parent=execution, task_name="ghost")
    assert (ghost.status, ghost.started_at, ghost.worker) == (Status.FAILED, None, "")


def test_s39_a_nested_workflow_result_is_the_task_result(flow, run_flow):
    flow(
        """
tasks:
  - name: say
    action: core.echo
    input: {message: "{{ parameters.word }}"}
output_map: {word: "{{ task.say.stdout }}"}
""",
        name="child",
        param_schema={"word": {"type": "string"}},
    )
    flow("""
tasks:
  - name: nested
    type: workflow
    action: demo.child
    input: {word: hello}
output_map: {got: "{{ task.nested.word }}"}
""")
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"got": "hello", "succeeded": True}
    child = Execution.objects.get(parent=execution, task_name="nested")
    assert (child.kind, child.status, child.root_id) == ("workflow", Status.COMPLETED, execution.id)


def test_an_inquiry_answer_releases_the_waiting_task(
    flow, run_flow, make_user, django_capture_on_commit_callbacks
):
    flow(APPROVAL)
    execution = run_flow("demo.flow")
    assert execution.status == Status.RUNNING
    assert [run[0] for run in task_runs(execution)] == ["ask"]
    inquiry = Inquiry.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        inquiries.respond(inquiry.id, {"approved": True}, make_user("approver", superuser=True))
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result["said"] == "approved=true"  # booleans render as JSON spells them


def test_cancelling_a_waiting_workflow_cancels_it_and_its_inquiry(
    flow, run_flow, django_capture_on_commit_callbacks
):
    flow(APPROVAL)
    execution = run_flow("demo.flow")
    with django_capture_on_commit_callbacks(execute=True):
        orchestration.cancel_execution(execution)
    execution.refresh_from_db()
    assert execution.status == Status.CANCELLED
    assert execution.result == {"error": "Workflow cancelled", "succeeded": False}
    assert Inquiry.objects.get().status == "cancelled"


def test_a_crash_between_finish_and_advance_is_repaired_without_re_running(
    flow, run_flow, settings, monkeypatch, django_capture_on_commit_callbacks
):
    flow("""
tasks:
  - name: first
    action: core.noop
    next: [{do: [second]}]
  - name: second
    action: core.noop
""")
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"  # runs wait for a worker: this test is it
    execution = run_flow("demo.flow")
    first = Execution.objects.get(parent=execution, task_name="first")
    # The worker records the run's end alone (the workflow's lock was held), then dies
    # before advancing the workflow.
    monkeypatch.setattr(orchestration, "finish_and_advance", end_alone)
    assert worker.execute(first.id, "test-worker")
    monkeypatch.undo()
    execution.refresh_from_db()
    assert execution.status == Status.RUNNING
    assert task_runs(execution) == [("first", 1, None, 0, "completed")]
    settings.ATTUNE_ADVANCE_REPAIR_AFTER = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.advance_stalled() == 1
    second = Execution.objects.get(parent=execution, task_name="second")
    assert worker.execute(second.id, "test-worker")
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED
    assert task_runs(execution) == [("first", 1, None, 0, "completed"), ("second", 1, None, 0, "completed")]
    first.refresh_from_db()
    assert (first.attempt, first.advanced, first.finished_seq) == (0, True, 1)  # advanced once, not re-run


def end_alone(run, worker_name, status, result):
    return lifecycle.finish(run.id, worker_name, status, result, run=run)


def test_s15_with_items_results_are_each_items_latest_attempt_collected_from_its_runs(flow, run_flow):
    flow(
        """
tasks:
  - name: each
    action: core.local
    with_items: [a, b, c]
    concurrency: 3
    retry: {count: 1}
    input:
      cmd: 'if [ "{{ item }}" = b ] && [ "$ATTUNE_ATTEMPT" = 0 ]; then exit 1; fi; echo "{{ item }}$ATTUNE_ATTEMPT"'
output_map:
  said: "{{ task.each | map(attribute='stdout') | list }}"
"""
    )
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result["said"] == ["a0\n", "b1\n", "c0\n"]
    assert sorted(run[2:4] for run in task_runs(execution)) == [(0, 0), (1, 0), (1, 1), (2, 0)]
    # The state kept only the counts: the results were read from the runs at the end.
    items = execution.workflow_execution.state["tasks"]["each"]["items"]
    assert items == {"iterated": True, "total": 3, "attempts": [1, 2, 1], "statuses": ["succeeded"] * 3}
