"""The advance step: one finished task run fed to the conductor per transaction, under the
workflow execution's lock, with the state it produces saved in the same transaction.

A run is finished by its worker first (lifecycle.finish, no workflow lock) and advanced here
after; a crash in between leaves it `advanced = false` and the sweeper advances it, never
re-running its action (docs/workflow-language.md, "Advancing after a task finishes").
"""

import logging

from django.db import connection, transaction

from executions import conductor
from executions.models import TERMINAL, Execution, WorkflowExecution

from .context import RUN_STATUS, context_of
from .steps import apply_step

log = logging.getLogger(__name__)


def advance(execution_id: int, event=None) -> int:
    """Advance the workflow execution until no finished run is left to feed; the steps taken.

    `event` (a cancel, an inquiry's answer, a timer) is fed first, in the first transaction.
    """
    steps = 0
    while step_once(execution_id, event):
        event = None
        steps += 1
    return steps


def advance_on_commit(execution_id: int, event=None) -> None:
    transaction.on_commit(lambda: advance_quietly(execution_id, event))


def advance_quietly(execution_id: int, event=None) -> None:
    """Advance, logging instead of raising: the caller's own work already committed, and a
    failed advance is repaired by the sweeper (the runs stay `advanced = false`)."""
    try:
        advance(execution_id, event)
    except Exception:
        log.exception("workflow execution %s: advance failed; the sweeper will retry it", execution_id)
        connection.close_if_unusable_or_obsolete()


def locked(execution_id: int):
    rows = WorkflowExecution.objects.select_related("execution")
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.filter(pk=execution_id).first()


def step_once(execution_id: int, event=None) -> bool:
    with transaction.atomic():
        workflow_execution = locked(execution_id)
        if workflow_execution is None:
            return False
        if event is not None:
            feed(workflow_execution, event)
            return True
        run = next_finished_run(workflow_execution)
        if run is None:
            return False
        workflow_execution.seq += 1
        Execution.objects.filter(id=run.id).update(
            finished_seq=workflow_execution.seq, advanced=True, workflow_task=finished_metadata(run)
        )
        feed(workflow_execution, run_finished(run))
        return True


def feed(workflow_execution, event) -> None:
    """One conductor step and its follow-ups (inquiries found answered), applied."""
    pending = [event]
    while pending:
        step = conductor.advance(
            workflow_execution.definition,
            workflow_execution.state,
            pending.pop(0),
            context_of(workflow_execution),
        )
        pending.extend(apply_step(workflow_execution, step))


def next_finished_run(workflow_execution):
    """The finished, not yet advanced run that finished first (S29: completion order)."""
    return (
        Execution.objects.filter(parent_id=workflow_execution.pk, advanced=False, status__in=TERMINAL)
        .exclude(finished_at=None)
        .order_by("finished_at", "id")
        .only(
            "id",
            "status",
            "result",
            "task_name",
            "activation",
            "item_index",
            "attempt",
            "workflow_task",
            "started_at",
            "finished_at",
        )
        .first()
    )


def run_finished(run: Execution):
    return conductor.RunFinished(
        task=run.task_name,
        activation=run.activation,
        item_index=run.item_index,
        attempt=run.attempt,
        status=RUN_STATUS[run.status],
        result=run.result,
    )


def finished_metadata(run: Execution) -> dict | None:
    if run.workflow_task is None:
        return None
    return {**run.workflow_task, "timed_out": run.status == "timeout", "duration_ms": run.duration_ms}


def unadvanced_workflows(older_than, limit: int) -> list[int]:
    """Workflow executions with a finished run nobody advanced past since `older_than`."""
    return list(
        Execution.objects.filter(
            parent__isnull=False, advanced=False, finished_at__isnull=False, finished_at__lt=older_than
        )
        .values_list("parent_id", flat=True)
        .distinct()[:limit]
    )
