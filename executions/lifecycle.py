"""Every change of an execution's state, each one conditional UPDATE.

Zero rows updated means another worker, sweeper or request got there first, and the caller
does nothing: that is what makes duplicate deliveries and zombie workers harmless.
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from executions import events
from executions.models import LIVE, TERMINAL, Execution, Status


class AlreadyFinished(Exception):
    """The execution reached a terminal status; it cannot be cancelled or changed."""


def lease_fields(worker: str, now) -> dict:
    return {
        "status": Status.RUNNING,
        "worker": worker,
        "started_at": now,
        "heartbeat_at": now,
        "lease_expires_at": now + timedelta(seconds=settings.ATTUNE_LEASE_SECONDS),
        "updated": now,
    }


def _with_action():
    return Execution.objects.select_related("action__pack", "executor")


def claim(execution_id: int, worker: str, queues: list[str] | None = None) -> Execution | None:
    """Start a due scheduled run under a lease held by `worker`; None if it is not ours to run
    (or not on one of `queues`, when given)."""
    now = timezone.now()
    with transaction.atomic():
        due = Execution.objects.filter(id=execution_id, status=Status.SCHEDULED, run_after__lte=now)
        if queues is not None:
            due = due.filter(queue__in=queues)
        claimed = due.update(**lease_fields(worker, now))
        if not claimed:
            return None
        execution = _with_action().get(id=execution_id)
        events.record_status([execution])
    return execution


def claim_due(worker: str, queues: list[str], limit: int) -> list[Execution]:
    """Claim up to `limit` due scheduled runs of `queues`, oldest first (the embedded worker).

    The same statements whatever the batch size (one when nothing is due). On PostgreSQL the candidates are locked with
    SKIP LOCKED, so several workers polling at once take different rows instead of queueing on
    the same ones; SQLite has one writer at a time (IMMEDIATE transactions), which serialises
    the claims the same way. The UPDATE keeps its status guard all the same.
    """
    if limit <= 0 or not queues:
        return []
    now = timezone.now()
    due = Execution.objects.filter(status=Status.SCHEDULED, queue__in=queues, run_after__lte=now)
    # An idle poll is this one read of the claim index; the claim's transaction (the write lock
    # on SQLite) is only taken when there is something to claim.
    if not due.exists():
        return []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("run_after", "id").values_list("id", flat=True)[:limit])
        if not ids:
            return []
        Execution.objects.filter(id__in=ids, status=Status.SCHEDULED).update(**lease_fields(worker, now))
        # Only the rows this claim set (same worker, same instant) are ours.
        mine = list(
            _with_action().filter(id__in=ids, worker=worker, started_at=now).order_by("run_after", "id")
        )
        events.record_status(mine)
    return mine


def heartbeat(worker: str, execution_ids: list[int]) -> set[int]:
    """Extend the leases of the runs `worker` holds; the ids it must stop running.

    One UPDATE for all of them, then one read: a run is to be stopped when a cancel was
    requested or when it is no longer this worker's (the sweeper declared it abandoned while
    the worker was stalled): carrying on would only produce a result nobody may record.
    """
    if not execution_ids:
        return set()
    now = timezone.now()
    Execution.objects.filter(id__in=execution_ids, worker=worker, status__in=LIVE).update(
        heartbeat_at=now, lease_expires_at=now + timedelta(seconds=settings.ATTUNE_LEASE_SECONDS)
    )
    rows = Execution.objects.filter(id__in=execution_ids).values_list(
        "id", "worker", "status", "cancel_requested"
    )
    held = {
        execution_id
        for execution_id, holder, status, cancel_requested in rows
        if holder == worker and status in LIVE and not cancel_requested
    }
    return set(execution_ids) - held


def finish(execution_id: int, worker: str, status: str, result: dict, run: Execution | None = None) -> bool:
    """Record a run's end; refused (False) when `worker` no longer holds the run's lease.

    `run`, the row as the worker claimed it, saves reading it again for the status event.
    """
    assert status in TERMINAL, status
    status, result = within_result_limit(status, result)
    now = timezone.now()
    with transaction.atomic():
        finished = record_end(execution_id, worker, status, result, now)
        if finished and run is not None:
            run.status, run.result, run.finished_at = status, result, now
            events.record_status([run])
        elif finished:
            events.status_changed([execution_id])
    return finished


def record_end(execution_id: int, worker: str, status: str, result: dict, now, **also) -> bool:
    """The conditional UPDATE of a run's end (`also`: more columns to set with it), in the
    caller's transaction; False when `worker` no longer holds the run's lease."""
    return bool(
        Execution.objects.filter(id=execution_id, status__in=LIVE, worker=worker).update(
            status=status, result=result, finished_at=now, lease_expires_at=None, updated=now, **also
        )
    )


def within_result_limit(status: str, result):
    """C3: a result over ATTUNE_RESULT_MAX_BYTES is not stored; the run fails saying why (the
    conductor checks the same limit, for results that reach it another way)."""
    from executions.conductor.limits import json_size

    maximum = settings.ATTUNE_RESULT_MAX_BYTES
    size = json_size(result)
    if size <= maximum:
        return status, result
    error = f"the result is {size} bytes, over ATTUNE_RESULT_MAX_BYTES ({maximum})"
    return Status.FAILED, {"succeeded": False, "error": error}


def request_cancel(execution: Execution) -> Execution:
    """Cancel now when nothing runs it; else ask its worker to stop (status `canceling`)."""
    now = timezone.now()
    with transaction.atomic():
        not_started = Execution.objects.filter(
            id=execution.id, status__in=[Status.REQUESTED, Status.SCHEDULING, Status.SCHEDULED]
        ).update(
            status=Status.CANCELLED,
            cancel_requested=True,
            finished_at=now,
            result={"succeeded": False, "cancelled": True, "error": "cancelled before it started"},
            updated=now,
        )
        stopping = 0
        if not not_started:
            stopping = Execution.objects.filter(id=execution.id, status=Status.RUNNING).update(
                status=Status.CANCELING, cancel_requested=True, updated=now
            )
        if not_started or stopping:
            events.status_changed([execution.id])
    execution.refresh_from_db()
    if execution.status in TERMINAL and not not_started:
        raise AlreadyFinished(f"execution {execution.id} is already {execution.status}")
    return execution
