"""Cancelling a workflow execution (S40): nothing new starts; running runs finish or are
stopped per the cancellation policy; nested workflows are cancelled with the parent's policy."""

import logging

from django.db import transaction
from django.utils import timezone

from executions import conductor, events
from executions.lifecycle import AlreadyFinished
from executions.models import TERMINAL, Execution, Inquiry, InquiryStatus, Kind, Status

from .advance import advance_on_commit, feed, locked

log = logging.getLogger(__name__)


def cancel_workflow(
    execution_id: int, policy: str | None = None, *, timed_out_after: int | None = None
) -> Execution:
    """Ask the workflow execution to stop; AlreadyFinished when it already ended (409).

    `timed_out_after`: the cancel is a `type: workflow` task's timeout; it ends `timeout`.
    """
    with transaction.atomic():
        workflow_execution = locked(execution_id)
        execution = workflow_execution.execution
        if execution.status in TERMINAL:
            raise AlreadyFinished(f"execution {execution.id} is already {execution.status}")
        policy = policy or workflow_execution.cancellation_policy
        if timed_out_after is not None:
            workflow_execution.error = {
                "timed_out": True,
                "message": f"the nested workflow timed out after {timed_out_after} s",
            }
        now = timezone.now()
        if Execution.objects.filter(id=execution.id, status=Status.RUNNING).update(
            status=Status.CANCELING, cancel_requested=True, updated=now
        ):
            execution.status = Status.CANCELING
            events.status_changed([execution.id])
        Inquiry.objects.filter(execution__parent_id=execution.id, status=InquiryStatus.PENDING).update(
            status=InquiryStatus.CANCELLED, updated=now
        )
        feed(workflow_execution, conductor.CancelRequested(policy))
        nested = list(
            Execution.objects.filter(parent_id=execution.id, kind=Kind.WORKFLOW)
            .exclude(status__in=TERMINAL)
            .values_list("id", flat=True)
        )
        # Runs cancelled before they started are finished now: advance past them.
        advance_on_commit(execution.id)
        for child in nested:
            transaction.on_commit(lambda child=child: cancel_workflow_quietly(child, policy))
    execution.refresh_from_db()
    return execution


def cancel_workflow_quietly(execution_id: int, policy: str | None = None, **options) -> None:
    try:
        cancel_workflow(execution_id, policy, **options)
    except AlreadyFinished:
        pass
    except Exception:
        log.exception("workflow execution %s: cancel failed", execution_id)


def cancel_execution(run: Execution) -> Execution:
    """The API's cancel: a workflow execution per its policy (S40); an action run through its
    lease (lifecycle). Cancelling one task run directly fails its task (B10d): its
    transitions still run."""
    from executions import lifecycle

    if run.kind == Kind.WORKFLOW:
        return cancel_workflow(run.id)
    run = lifecycle.request_cancel(run)
    if run.parent_id and run.status in TERMINAL:  # cancelled before it started: advance now
        advance_on_commit(run.parent_id)
    return run
