"""The advance step: one finished task run fed to the conductor per transaction, under the
workflow execution's lock, with the state it produces saved in the same transaction.

A worker records its task run's end and the step past it in one transaction when the lock is
free (finish_and_advance); when another step holds it, the end is recorded alone first and
the run advanced after. A crash in between leaves it `advanced = false` and the sweeper
advances it, never re-running its action (docs/workflow-language.md, "Advancing after a task
finishes").
"""

import logging

from django.db import connection, transaction
from django.utils import timezone

from executions import conductor, events, lifecycle
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


def finish_and_advance(run: Execution, worker: str, status: str, result: dict) -> bool:
    """Record a task run's end and advance its workflow past it; False when `worker` no
    longer held the run (nothing recorded).

    With the workflow's lock free at once (the common case) this is one transaction: the end
    and the run's `advanced` mark are one UPDATE, the step's events one INSERT, one commit.
    With the lock held by another step, waiting for it must not delay the end: the end is
    recorded alone (lifecycle.finish) and the run advanced after, waiting for the lock.
    """
    status, result = lifecycle.within_result_limit(status, result)
    try:
        outcome = finish_and_step(run, worker, status, result)
    except Exception:  # the step failed (and rolled back the end with it): record the end alone
        # (A database that went away fails this too: the worker's own handler then drops the
        # connection and the lease decides, as for any unrecorded end.)
        log.exception("workflow execution %s: advance failed; the sweeper will retry it", run.parent_id)
        return lifecycle.finish(run.id, worker, status, result, run=run)
    if outcome is None:
        if not lifecycle.finish(run.id, worker, status, result, run=run):
            return False
        outcome = True, True
    recorded, look_again = outcome
    if look_again:
        advance_quietly(run.parent_id)
    return recorded


def finish_and_step(run: Execution, worker: str, status: str, result: dict) -> tuple[bool, bool] | None:
    """One transaction: `run`'s end and, when no run finished before it is waiting, the step
    past it; (recorded, whether to look again), or None when the lock was not free at once."""
    with transaction.atomic():
        workflow_execution = locked(run.parent_id, wait=False)
        if workflow_execution is None:
            return None
        now = timezone.now()
        run.status, run.result, run.finished_at = status, result, now
        if waiting_runs(workflow_execution).exists():  # they finished first, so go first (S29)
            recorded = lifecycle.record_end(run.id, worker, status, result, now)
            if recorded:
                events.record_status([run])
            return recorded, recorded
        if not lifecycle.record_end(run.id, worker, status, result, now, **advanced(workflow_execution, run)):
            return False, False
        settled = feed(workflow_execution, run_finished(run), announce=events.status_rows([run]))
        return True, settled


def locked(execution_id: int, wait: bool = True):
    """The workflow execution, locked for this transaction; None if it does not exist (or,
    with `wait=False`, when another transaction holds its lock)."""
    # The workflow's own execution without the JSON no step reads (a step only assigns its
    # result): fewer columns to fetch and decode on every step.
    rows = WorkflowExecution.objects.select_related("execution").defer(
        "execution__config", "execution__result", "execution__env_vars", "execution__workflow_task"
    )
    if connection.features.has_select_for_update:  # SQLite: its write lock serialises instead
        rows = rows.select_for_update(of=("self",), skip_locked=not wait)
    # Not .first(): its ORDER BY costs a compilation and a sort for a primary-key lookup.
    return next(iter(rows.filter(pk=execution_id)), None)


def step_once(execution_id: int, event=None) -> bool:
    """One transaction: feed `event`, or the next finished run; whether to look again.

    There is no need to look again when no other finished run was waiting and this step ended
    none itself: a run that finishes meanwhile is advanced by whoever finished it, after its
    own commit, so it waits for this lock and then finds it (and a crash there is the sweeper's).
    """
    with transaction.atomic():
        workflow_execution = locked(execution_id)
        if workflow_execution is None:
            return False
        if event is not None:
            feed(workflow_execution, event)
            return True
        runs = next_finished_runs(workflow_execution)
        if not runs:
            return False
        run = runs[0]
        Execution.objects.filter(id=run.id).update(**advanced(workflow_execution, run))
        settled = feed(workflow_execution, run_finished(run))
        return len(runs) > 1 or settled


def advanced(workflow_execution, run: Execution) -> dict:
    """The columns that mark `run` advanced past: the next sequence number (S29), its metadata."""
    workflow_execution.seq += 1
    return {"finished_seq": workflow_execution.seq, "advanced": True, "workflow_task": finished_metadata(run)}


def feed(workflow_execution, event, announce=()) -> bool:
    """One conductor step and its follow-ups (inquiries found answered), applied; whether
    they ended runs themselves. `announce`: events to record with the first step's."""
    pending, settled = [event], False
    while pending:
        step = conductor.advance(
            workflow_execution.definition,
            workflow_execution.state,
            pending.pop(0),
            context_of(workflow_execution),
            own_state=True,  # decoded from the locked row for this step; replaced by step.state
        )
        applied = apply_step(workflow_execution, step, announce)
        announce = ()
        pending.extend(applied.followups)
        settled = settled or applied.settled
    return settled


def next_finished_runs(workflow_execution) -> list:
    """The finished, not yet advanced run that finished first (S29: completion order), and the
    one after it if there is one (so the caller knows whether to look again)."""
    return list(
        waiting_runs(workflow_execution)
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
        )[:2]
    )


def waiting_runs(workflow_execution):
    """The workflow's finished runs not advanced past yet."""
    return Execution.objects.filter(
        parent_id=workflow_execution.pk, advanced=False, status__in=TERMINAL, finished_at__isnull=False
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
