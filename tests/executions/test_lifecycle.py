"""The lifecycle's conditional UPDATEs: claim, heartbeat, finish, cancel."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from executions import lifecycle, sweeper
from executions.models import Execution, ExecutionEvent, Status
from executions.runners.results import result_object
from executions.worker import WorkerProcess, execute

DONE = result_object(succeeded=True, exit_code=0)


def test_a_scheduled_run_is_claimed_once(start, settings):
    execution = start("noop")
    before = timezone.now()

    first = lifecycle.claim(execution.id, "worker-a")
    second = lifecycle.claim(execution.id, "worker-b")

    assert first is not None and first.status == Status.RUNNING and first.worker == "worker-a"
    assert second is None
    execution.refresh_from_db()
    assert (execution.status, execution.worker) == (Status.RUNNING, "worker-a")
    assert execution.lease_expires_at >= before + timedelta(seconds=settings.ATTUNE_LEASE_SECONDS)
    assert execution.started_at >= before and execution.heartbeat_at == execution.started_at


def test_a_run_not_yet_due_is_not_claimed(start):
    execution = start("noop")
    Execution.objects.filter(id=execution.id).update(run_after=timezone.now() + timedelta(minutes=5))

    assert lifecycle.claim(execution.id, "worker-a") is None
    execution.refresh_from_db()
    assert execution.status == Status.SCHEDULED and execution.worker == ""


def test_a_second_delivery_runs_nothing(start):
    execution = start("echo", {"message": "once"})

    assert execute(execution.id, "worker-a") is True
    assert execute(execution.id, "worker-b") is False

    execution.refresh_from_db()
    assert (execution.status, execution.worker) == (Status.COMPLETED, "worker-a")
    assert execution.result["stdout"] == "once"


def test_the_lease_holder_finishes_a_run(start):
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")

    assert lifecycle.finish(execution.id, "worker-a", Status.COMPLETED, DONE) is True
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED and execution.result == DONE
    assert execution.lease_expires_at is None and execution.finished_at is not None


@pytest.mark.parametrize("size, status", [(100, Status.COMPLETED), (101, Status.FAILED)])
def test_c3_a_result_at_the_limit_is_stored_and_one_byte_over_fails_the_run(start, settings, size, status):
    settings.ATTUNE_RESULT_MAX_BYTES = 100
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")
    result = {"s": "x" * (size - len('{"s":""}'))}
    assert lifecycle.finish(execution.id, "worker-a", Status.COMPLETED, result) is True
    execution.refresh_from_db()
    assert execution.status == status
    if status == Status.FAILED:
        assert execution.result == {
            "succeeded": False,
            "error": "the result is 101 bytes, over ATTUNE_RESULT_MAX_BYTES (100)",
        }


def test_another_worker_cannot_finish_a_run(start):
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")

    assert lifecycle.finish(execution.id, "worker-b", Status.FAILED, DONE) is False
    execution.refresh_from_db()
    assert execution.status == Status.RUNNING and execution.result is None


def test_a_zombie_cannot_overwrite_an_abandoned_run(start):
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")
    Execution.objects.filter(id=execution.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    sweeper.abandon_expired()
    execution.refresh_from_db()
    abandoned_result = execution.result

    assert lifecycle.finish(execution.id, "worker-a", Status.COMPLETED, DONE) is False
    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED
    assert execution.result == abandoned_result and "lease" in abandoned_result["error"]


def test_a_finished_run_never_changes(start):
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")
    lifecycle.finish(execution.id, "worker-a", Status.COMPLETED, DONE)

    assert lifecycle.finish(execution.id, "worker-a", Status.FAILED, {"succeeded": False}) is False
    assert lifecycle.claim(execution.id, "worker-a") is None
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED and execution.result == DONE


def test_a_heartbeat_extends_the_leases_of_the_workers_runs(start, settings):
    held = [start("noop"), start("noop")]
    other = start("noop")
    for execution in held:
        lifecycle.claim(execution.id, "worker-a")
    lifecycle.claim(other.id, "worker-b")
    soon = timezone.now() + timedelta(seconds=1)
    Execution.objects.update(lease_expires_at=soon)
    before = timezone.now()

    to_stop = lifecycle.heartbeat("worker-a", [execution.id for execution in held])

    assert to_stop == set()
    for execution in held:
        execution.refresh_from_db()
        assert execution.lease_expires_at >= before + timedelta(seconds=settings.ATTUNE_LEASE_SECONDS)
        assert execution.heartbeat_at >= before
    other.refresh_from_db()
    assert other.lease_expires_at == soon


def test_a_heartbeat_is_two_statements_for_any_number_of_runs(start, django_assert_num_queries):
    ids = [start("noop").id for _ in range(5)]
    for execution_id in ids:
        lifecycle.claim(execution_id, "worker-a")

    with django_assert_num_queries(2):  # the UPDATE of every lease, the read of the flags
        lifecycle.heartbeat("worker-a", ids)


def test_a_heartbeat_names_the_runs_the_worker_no_longer_holds(start):
    kept, lost = start("noop"), start("noop")
    for execution in (kept, lost):
        lifecycle.claim(execution.id, "worker-a")
    Execution.objects.filter(id=lost.id).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    sweeper.abandon_expired()

    assert lifecycle.heartbeat("worker-a", [kept.id, lost.id]) == {lost.id}
    lost.refresh_from_db()
    assert lost.status == Status.ABANDONED  # not revived by the heartbeat


def test_cancelling_a_scheduled_run_cancels_it_at_once(start):
    execution = start("noop")

    cancelled = lifecycle.request_cancel(execution)

    assert cancelled.status == Status.CANCELLED and cancelled.result["cancelled"] is True
    assert lifecycle.claim(execution.id, "worker-a") is None


def test_cancelling_a_finished_run_is_refused(start):
    execution = start("noop")
    execute(execution.id, "worker-a")

    with pytest.raises(lifecycle.AlreadyFinished):
        lifecycle.request_cancel(execution)
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_run_stops_it_at_the_next_heartbeat(start):
    execution = start("sleep", {"seconds": 30})
    process = WorkerProcess(name="worker-a")  # its heartbeat is driven by hand below
    claimed = lifecycle.claim(execution.id, process.name)
    statuses = []
    runner = threading.Thread(target=lambda: statuses.append(process.run_claimed(claimed)))
    runner.start()
    try:
        assert lifecycle.request_cancel(execution).status == Status.CANCELING
        execution.refresh_from_db()
        assert execution.cancel_requested is True and execution.status == Status.CANCELING

        assert process.beat() == {execution.id}
        runner.join(timeout=10)
        assert not runner.is_alive()
    finally:
        process.runs.stop([execution.id])
        runner.join(timeout=10)
    assert statuses == [Status.CANCELLED]
    execution.refresh_from_db()
    assert execution.status == Status.CANCELLED and execution.result["cancelled"] is True


def test_claim_due_takes_due_runs_of_the_served_queues_oldest_first(start, demo):
    now = timezone.now()
    later, first, second = start("noop"), start("noop"), start("noop")
    elsewhere, not_due = start("noop"), start("noop")
    Execution.objects.filter(id=first.id).update(run_after=now - timedelta(seconds=30))
    Execution.objects.filter(id=second.id).update(run_after=now - timedelta(seconds=20))
    Execution.objects.filter(id=later.id).update(run_after=now - timedelta(seconds=10))
    Execution.objects.filter(id=elsewhere.id).update(queue="attune.sel.region=eu")
    Execution.objects.filter(id=not_due.id).update(run_after=now + timedelta(minutes=1))

    claimed = lifecycle.claim_due("worker-a", ["attune.run"], 2)

    assert [execution.id for execution in claimed] == [first.id, second.id]
    assert all(execution.action.pack.ref == "demo" for execution in claimed)  # loaded with the claim
    statuses = dict(Execution.objects.values_list("id", "status"))
    assert statuses[first.id] == statuses[second.id] == Status.RUNNING
    assert statuses[later.id] == statuses[elsewhere.id] == statuses[not_due.id] == Status.SCHEDULED


def test_claim_due_takes_nothing_already_claimed(start):
    execution = start("noop")
    lifecycle.claim(execution.id, "worker-a")

    assert lifecycle.claim_due("worker-b", ["attune.run"], 5) == []
    execution.refresh_from_db()
    assert execution.worker == "worker-a"


@pytest.mark.parametrize("runs", [1, 20])
def test_claim_due_costs_the_same_statements_for_any_batch(start, runs, django_assert_num_queries):
    for _ in range(runs):
        start("noop")

    # Anything due?, SAVEPOINT, the candidates, the UPDATE, the claimed rows with their action
    # and pack, their status events (one INSERT from those rows), RELEASE.
    with django_assert_num_queries(7):
        claimed = lifecycle.claim_due("worker-a", ["attune.run"], 50)
    assert len(claimed) == runs


def test_an_idle_poll_is_one_read(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert lifecycle.claim_due("worker-a", ["attune.run"], 4) == []


def test_claim_costs_five_statements(start, django_assert_num_queries):
    execution = start("noop")

    # SAVEPOINT, the conditional UPDATE, the row with its action and pack, its status event
    # (an INSERT from that row), RELEASE.
    with django_assert_num_queries(5):
        claimed = lifecycle.claim(execution.id, "worker-a")
    assert claimed.status == Status.RUNNING
    event = ExecutionEvent.objects.filter(execution_id=execution.id, kind="status").latest("id")
    assert event.payload["status"] == "running"


def test_finish_with_the_claimed_row_costs_four_statements(start, django_assert_num_queries):
    execution = lifecycle.claim(start("noop").id, "worker-a")

    # SAVEPOINT, the conditional UPDATE, its status event (an INSERT from the row), RELEASE.
    with django_assert_num_queries(4):
        assert lifecycle.finish(execution.id, "worker-a", Status.COMPLETED, {"ok": 1}, run=execution)
    event = ExecutionEvent.objects.filter(execution_id=execution.id, kind="status").latest("id")
    assert event.payload == {
        "id": execution.id,
        "status": "completed",
        "action_ref": execution.action_ref,
        "parent": None,
        "task_name": "",
        "attempt": execution.attempt,
    }
