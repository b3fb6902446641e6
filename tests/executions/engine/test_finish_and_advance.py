"""A task run's end and its workflow's advance past it (orchestration.finish_and_advance):
one transaction when the workflow's lock is free, the end alone first when it is not, and the
hand-off of the next run to the worker thread (transport.HandOff) inside that transaction."""

import importlib
import logging
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from executions import conductor, lifecycle, service, transport
from executions.models import Execution, ExecutionEvent, Status
from executions.orchestration import finish_and_advance

from .conftest import task_runs
from .test_statements import engine_statements

advancing = importlib.import_module("executions.orchestration.advance")  # the module, not the function

CHAIN = """
tasks:
  - {name: one, action: core.noop, next: [{do: [two]}]}
  - {name: two, action: core.noop}
"""
DONE = {"succeeded": True}


def started(flow, make_user, django_capture_on_commit_callbacks):
    flow(CHAIN)
    with django_capture_on_commit_callbacks():  # nothing is dispatched: the test is the worker
        execution = service.start_by_ref("demo.flow", {}, executor=make_user("runner", superuser=True))
    one = Execution.objects.get(parent=execution, task_name="one")
    return execution, lifecycle.claim(one.id, "worker-a")


def statuses(run) -> list[str]:
    return list(
        ExecutionEvent.objects.filter(execution_id=run.id, kind="status")
        .order_by("id")
        .values_list("payload__status", flat=True)
    )


def test_the_end_and_the_step_past_it_are_one_update_and_seven_statements(
    flow, make_user, django_capture_on_commit_callbacks
):
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(), CaptureQueriesContext(connection) as queries:
        assert finish_and_advance(one, "worker-a", Status.COMPLETED, DONE) is True
    # The lock, the runs finished earlier (none), the end with its advanced mark, the action,
    # the new run, the events (the end, the task's, the new run's status), the state saved.
    assert len(engine_statements(queries.captured_queries)) == 7
    one.refresh_from_db()
    assert (one.status, one.result, one.advanced, one.finished_seq) == (Status.COMPLETED, DONE, True, 1)
    assert one.workflow_task["duration_ms"] is not None
    assert statuses(one) == [Status.SCHEDULED, Status.RUNNING, Status.COMPLETED]
    assert task_runs(execution) == [("one", 1, None, 0, "completed"), ("two", 1, None, 0, "scheduled")]


def test_a_run_no_longer_held_records_nothing_and_advances_nothing(
    flow, make_user, django_capture_on_commit_callbacks
):
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks():
        assert finish_and_advance(one, "worker-b", Status.COMPLETED, DONE) is False
    one.refresh_from_db()
    assert (one.status, one.advanced) == (Status.RUNNING, False)
    assert task_runs(execution) == [("one", 1, None, 0, "running")]


def test_with_the_lock_held_the_end_is_recorded_alone_then_advanced(
    flow, make_user, django_capture_on_commit_callbacks, monkeypatch
):
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)
    real_locked = advancing.locked
    tried = []

    def busy_at_once(execution_id, wait=True):  # another step holds it; waiting gets it
        tried.append(wait)
        return real_locked(execution_id) if wait else None

    monkeypatch.setattr(advancing, "locked", busy_at_once)
    with django_capture_on_commit_callbacks():
        assert finish_and_advance(one, "worker-a", Status.COMPLETED, DONE) is True
    assert tried == [False, True]  # not at once; then the advance, waiting for the lock
    one.refresh_from_db()
    assert (one.status, one.advanced, one.finished_seq) == (Status.COMPLETED, True, 1)
    assert task_runs(execution) == [("one", 1, None, 0, "completed"), ("two", 1, None, 0, "scheduled")]


def test_a_failing_step_keeps_the_end_for_the_sweeper_to_advance(
    flow, make_user, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("a conductor bug")

    monkeypatch.setattr(conductor, "advance", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks():
        assert finish_and_advance(one, "worker-a", Status.FAILED, {"succeeded": False}) is True
    assert "advance failed; the sweeper will retry it" in caplog.text
    one.refresh_from_db()
    assert (one.status, one.advanced, one.finished_seq) == (Status.FAILED, False, None)
    assert statuses(one)[-1] == Status.FAILED
    monkeypatch.undo()
    assert advancing.unadvanced_workflows(timezone.now() + timedelta(seconds=1), 10) == [execution.id]
    with django_capture_on_commit_callbacks():
        advancing.advance(execution.id)  # what the sweeper does
    one.refresh_from_db()
    assert one.advanced is True


def test_the_next_run_is_created_claimed_by_the_thread_handing_off(
    flow, make_user, django_capture_on_commit_callbacks
):
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)
    # Inline transport: a dispatch would run it here.
    with (
        django_capture_on_commit_callbacks(execute=True),
        transport.handing_off("worker-a", lambda: ["attune.run"]) as handoff,
    ):
        assert finish_and_advance(one, "worker-a", Status.COMPLETED, DONE) is True
    two = Execution.objects.get(parent=execution, task_name="two")
    assert handoff.next is not None and handoff.next.id == two.id
    assert (two.status, two.worker, two.dispatched_at) == (Status.RUNNING, "worker-a", None)
    assert two.lease_expires_at > two.started_at
    assert statuses(two) == [Status.SCHEDULED, Status.RUNNING]  # never announced: the thread runs it


def test_a_run_on_a_queue_the_thread_does_not_serve_is_announced_instead(
    flow, make_user, django_capture_on_commit_callbacks, settings
):
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"
    execution, one = started(flow, make_user, django_capture_on_commit_callbacks)
    # Stopping: it takes nothing.
    with (
        django_capture_on_commit_callbacks(execute=True),
        transport.handing_off("worker-a", lambda: []) as handoff,
    ):
        assert finish_and_advance(one, "worker-a", Status.COMPLETED, DONE) is True
    two = Execution.objects.get(parent=execution, task_name="two")
    assert handoff.next is None
    assert (two.status, two.worker) == (Status.SCHEDULED, "")
    assert two.dispatched_at is not None
