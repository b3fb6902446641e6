"""Every change of an execution's state, each one conditional UPDATE.

Zero rows updated means another worker, sweeper or request got there first, and the caller
does nothing: that is what makes duplicate deliveries and zombie workers harmless.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from executions.models import LIVE, TERMINAL, Execution, Status


class AlreadyFinished(Exception):
    """The execution reached a terminal status; it cannot be cancelled or changed."""


def claim(execution_id: int, worker: str) -> Execution | None:
    """Start a due scheduled run under a lease held by `worker`; None if it is not ours to run."""
    now = timezone.now()
    claimed = Execution.objects.filter(id=execution_id, status=Status.SCHEDULED, run_after__lte=now).update(
        status=Status.RUNNING,
        worker=worker,
        started_at=now,
        heartbeat_at=now,
        lease_expires_at=now + timedelta(seconds=settings.ATTUNE_LEASE_SECONDS),
        updated=now,
    )
    if not claimed:
        return None
    return Execution.objects.select_related("action__pack", "executor").get(id=execution_id)


def finish(execution_id: int, worker: str, status: str, result: dict) -> bool:
    """Record a run's end; refused (False) when `worker` no longer holds the run's lease."""
    assert status in TERMINAL, status
    now = timezone.now()
    return bool(
        Execution.objects.filter(id=execution_id, status__in=LIVE, worker=worker).update(
            status=status, result=result, finished_at=now, lease_expires_at=None, updated=now
        )
    )


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
        if not not_started:
            Execution.objects.filter(id=execution.id, status=Status.RUNNING).update(
                status=Status.CANCELING, cancel_requested=True, updated=now
            )
    execution.refresh_from_db()
    if execution.status in TERMINAL and not not_started:
        raise AlreadyFinished(f"execution {execution.id} is already {execution.status}")
    return execution
