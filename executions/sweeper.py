"""The sweeper: finds runs that no worker will finish or no message will start, and acts.

One function per rule, each acting through conditional UPDATEs, so several sweepers (every
embedded worker runs one; `manage.py attune_scheduler` runs one beside Celery workers) never
act twice on a run: whoever's UPDATE matches the row wins, the others change nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from executions import conductor, events, orchestration, transport
from executions.models import Execution, Inquiry, InquiryStatus, Kind, Status, WorkflowExecution
from executions.runners.results import failed_result

log = logging.getLogger(__name__)

# Rows handled per rule per sweep: a backlog is worked off over a few sweeps.
BATCH = 500
# A run is announced right after its transaction commits; one never marked as dispatched for
# this long lost its announcement (the process died in between) and is dispatched again.
NEVER_DISPATCHED_GRACE = timedelta(seconds=2)


def sweep() -> dict[str, int]:
    """Apply every rule once; how many runs each one changed."""
    return {
        "abandoned": abandon_expired(),
        "cancelled": cancel_orphaned(),
        "redispatched": redispatch_lost(),
        "inquiries timed out": time_out_inquiries(),
        "nested timed out": time_out_nested_workflows(),
        "timers fired": fire_timers(),
        "advanced": advance_stalled(),
    }


def abandon_expired() -> int:
    """Running runs whose lease ran out are `abandoned`; retried when attempts are left."""
    now = timezone.now()
    expired = Execution.objects.filter(status=Status.RUNNING, lease_expires_at__lt=now)
    abandoned = 0
    for execution in expired.order_by("lease_expires_at", "id")[:BATCH]:
        with transaction.atomic():
            # The same guard as the select, and the same holder: a heartbeat that renewed the
            # lease in the meantime wins, and so does another sweeper.
            won = Execution.objects.filter(
                id=execution.id, status=Status.RUNNING, worker=execution.worker, lease_expires_at__lt=now
            ).update(
                status=Status.ABANDONED,
                result=failed_result(_abandoned_error(execution)),
                finished_at=now,
                lease_expires_at=None,
                updated=now,
            )
            if not won:
                continue
            abandoned += 1
            # A task run's retry is its workflow's decision (its `retry`), taken when it advances.
            retry = (
                _retry_of(execution)
                if execution.parent_id is None and execution.attempt < execution.max_retries
                else None
            )
            events.status_changed([execution.id] + ([retry.id] if retry else []))
            if retry is not None:
                transport.dispatch_on_commit([retry.id])
        log.warning(
            "execution %s abandoned: worker %s stopped renewing its lease%s",
            execution.id,
            execution.worker,
            f"; retried as execution {retry.id}" if retry else "",
        )
        if execution.parent_id:
            orchestration.advance_quietly(execution.parent_id)
    return abandoned


def cancel_orphaned() -> int:
    """`canceling` runs whose worker is gone (lease run out) are `cancelled`."""
    now = timezone.now()
    orphaned = Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
    # A workflow execution holds no lease: it is `canceling` until its runs have ended.
    ids = list(
        Execution.objects.filter(orphaned, status=Status.CANCELING, kind=Kind.ACTION).values_list(
            "id", flat=True
        )[:BATCH]
    )
    if not ids:
        return 0
    with transaction.atomic():
        # The same guard again: a worker that confirmed meanwhile keeps its own ending.
        cancelled = list(
            Execution.objects.filter(orphaned, id__in=ids, status=Status.CANCELING).values_list(
                "id", flat=True
            )
        )
        Execution.objects.filter(orphaned, id__in=cancelled, status=Status.CANCELING).update(
            status=Status.CANCELLED,
            result=failed_result("cancelled; its worker stopped before confirming", cancelled=True),
            finished_at=now,
            lease_expires_at=None,
            updated=now,
        )
        events.status_changed(cancelled)
    parents = Execution.objects.filter(id__in=cancelled, parent__isnull=False).values_list(
        "parent_id", flat=True
    )
    for parent_id in set(parents):
        orchestration.advance_quietly(parent_id)
    return len(cancelled)


def redispatch_lost() -> int:
    """Due scheduled runs announced too long ago (or never) are dispatched again.

    A lost message, a broker outage at dispatch time or a process that died between its commit
    and its dispatch all end here; a duplicate this creates is refused by the claim.
    """
    now = timezone.now()
    lost = Q(dispatched_at__lt=now - timedelta(seconds=settings.ATTUNE_REDISPATCH_AFTER)) | Q(
        dispatched_at__isnull=True, updated__lt=now - NEVER_DISPATCHED_GRACE
    )
    due = Execution.objects.filter(lost, status=Status.SCHEDULED, run_after__lte=now)
    ids = list(due.order_by("run_after", "id").values_list("id", flat=True)[:BATCH])
    if not ids:
        return 0
    # Mark them first, with this sweep's instant: the rows still matching were ours to send,
    # a concurrent sweeper's rows carry its own instant.
    Execution.objects.filter(lost, id__in=ids, status=Status.SCHEDULED).update(dispatched_at=now)
    mine = list(Execution.objects.filter(id__in=ids, dispatched_at=now).values_list("id", flat=True))
    if mine:
        log.info("re-dispatching %d scheduled executions: %s", len(mine), mine[:20])
        transport.dispatch(mine)
    return len(mine)


def time_out_inquiries() -> int:
    """Pending inquiries whose `timeout_at` has passed are `timeout`; a late answer is a 409.
    The tasks waiting on them finish `timed_out`."""
    now = timezone.now()
    due = Inquiry.objects.filter(status=InquiryStatus.PENDING, timeout_at__lte=now)
    ids = list(due.order_by("timeout_at", "id").values_list("id", flat=True)[:BATCH])
    if not ids:
        return 0
    Inquiry.objects.filter(id__in=ids, status=InquiryStatus.PENDING).update(
        status=InquiryStatus.TIMEOUT, updated=now
    )
    timed_out = list(
        Inquiry.objects.select_related("execution").filter(
            id__in=ids, status=InquiryStatus.TIMEOUT, updated=now
        )
    )
    for inquiry in timed_out:
        try:
            orchestration.inquiry_changed(inquiry)
        except Exception:  # the next sweep cannot find it again: the workflow's own timer can
            log.exception("inquiry %s: could not tell its workflow it timed out", inquiry.id)
    return len(timed_out)


def time_out_nested_workflows() -> int:
    """A `type: workflow` task's timeout: the nested execution is cancelled (cancel_running)
    and ends `timeout`."""
    now = timezone.now()
    due = Execution.objects.filter(kind=Kind.WORKFLOW, status=Status.RUNNING, deadline_at__lte=now)
    count = 0
    for execution_id, timeout in due.values_list("id", "workflow_task__timeout_seconds")[:BATCH]:
        orchestration.cancel_workflow_quietly(execution_id, "cancel_running", timed_out_after=timeout)
        count += 1
    return count


def fire_timers() -> int:
    """Workflow executions whose conductor timer (`wake_at`) is due are advanced with a tick."""
    now = timezone.now()
    due = list(WorkflowExecution.objects.filter(wake_at__lte=now).values_list("pk", flat=True)[:BATCH])
    for execution_id in due:
        WorkflowExecution.objects.filter(pk=execution_id, wake_at__lte=now).update(wake_at=None)
        orchestration.advance_quietly(execution_id, conductor.Tick())
    return len(due)


def advance_stalled() -> int:
    """Finished task runs nobody advanced past (the process died after recording the end alone)."""
    older_than = timezone.now() - timedelta(seconds=settings.ATTUNE_ADVANCE_REPAIR_AFTER)
    stalled = orchestration.unadvanced_workflows(older_than, BATCH)
    for execution_id in stalled:
        log.warning("workflow execution %s: advancing past runs finished before a crash", execution_id)
        orchestration.advance_quietly(execution_id)
    return len(stalled)


def _abandoned_error(execution) -> str:
    expired = execution.lease_expires_at.isoformat(timespec="seconds") if execution.lease_expires_at else "?"
    return (
        f"abandoned: worker {execution.worker or '?'} stopped renewing its lease (expired {expired}); "
        "the worker died, lost the database or was stopped"
    )


def _retry_of(execution) -> Execution:
    """The next attempt: a new scheduled run with the same input, linked to the first attempt."""
    return Execution.objects.create(
        action_ref=execution.action_ref,
        action_id=execution.action_id,
        parent_id=execution.parent_id,
        status=Status.SCHEDULED,
        config=execution.config,
        input=execution.input,
        secret_texts=execution.secret_texts,
        env_vars=execution.env_vars,
        executor_id=execution.executor_id,
        timeout_seconds=execution.timeout_seconds,
        original_execution_id=execution.original_execution_id or execution.id,
        attempt=execution.attempt + 1,
        max_retries=execution.max_retries,
        workflow_task=execution.workflow_task,
        queue=execution.queue,
    )
