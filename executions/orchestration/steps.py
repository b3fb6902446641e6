"""Applying a conductor Step to the database, inside the advance step's transaction.

The Step says what to do (runs to start and cancel, inquiries to wait for, events, a timer,
the end); this module does it with as few statements as it can: the action runs of a step are
one INSERT, their status events another.
"""

import contextlib
import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from executions import events, lifecycle, transport
from executions.conductor import InquiryResolved, ResultsCollected
from executions.models import TERMINAL, Execution, Inquiry, InquiryStatus, Kind, Status
from executions.redaction import mask

from .runs import new_action_run, preload_actions, task_run_fields, workflow_task
from .start import create_workflow_execution, find_workflow, nesting_problem, resolve_workflow_parameters

FINAL_STATUS = {"completed": Status.COMPLETED, "failed": Status.FAILED, "cancelled": Status.CANCELLED}


class Applied(NamedTuple):
    followups: list  # events to feed back at once (inquiries found already answered)
    settled: bool  # the step may have ended runs itself (failed at creation, cancelled)


def apply_step(workflow_execution, step, announce=()) -> Applied:
    """Do what `step` says, inside the advance step's transaction (`announce`: events that
    go first in its INSERT, such as the end of the run it advances past)."""
    execution = workflow_execution.execution
    workflow_execution.state = step.state
    workflow_execution.variables = step.state.get("variables") or {}
    workflow_execution.steps += 1
    workflow_execution.wake_at = (
        datetime.datetime.fromtimestamp(step.wake_at, tz=datetime.UTC) if step.wake_at else None
    )
    settled, announced = start_runs(workflow_execution, step.start)
    # One INSERT for the step's events: what happened to tasks, then the runs it created.
    root = execution.root_id or execution.id
    events.record_many(
        [*announce, *((root, execution.id, "task", payload) for payload in step.events), *announced]
    )
    settled = settled or bool(step.cancel)
    for key in step.cancel:
        cancel_run(execution, key, workflow_execution.cancellation_policy)
    followups = [event for wait in step.waits if (event := wait_event(execution, wait)) is not None]
    followups += [collected_results(execution, spec) for spec in step.collect]
    if step.finished:
        finish_workflow(workflow_execution, step.finished)
    workflow_execution.save(
        update_fields=["state", "variables", "steps", "wake_at", "seq", "error", "updated"]
    )
    return Applied(followups, settled)


def start_runs(workflow_execution, specs) -> tuple[bool, list]:
    """Create the runs of `specs`; whether any of them was created already finished, and the
    status events of the action runs created (for the caller's one INSERT)."""
    execution = workflow_execution.execution
    actions = preload_actions(specs)
    rows, settled = [], False
    for spec in specs:
        action = actions.get(spec.ref)
        if spec.kind == "workflow" or (action is not None and action.runner_type == "workflow"):
            ref = action.workflow.ref if action and spec.kind != "workflow" else spec.ref
            settled = not start_nested(workflow_execution, spec, ref) or settled
        else:
            rows.append(new_action_run(execution, spec, actions))
    if not rows:
        return settled, []
    handoff = transport.current_handoff()
    handed_off = handoff.claim(rows) if handoff else None
    created = Execution.objects.bulk_create(rows)
    now = timezone.now()
    transport.dispatch_on_commit(
        [run.id for run in created if run.status == Status.SCHEDULED and run.run_after <= now]
    )
    announced = events.status_rows(created)
    if handed_off is not None:  # it was scheduled, then claimed, as any run is
        position = next(n for n, row in enumerate(announced) if row[1] == handed_off.id)
        announced.insert(position, events.status_row(handed_off, Status.SCHEDULED))
    return settled or any(run.status in TERMINAL for run in created), announced


def start_nested(workflow_execution, spec, ref: str) -> bool:
    """A `type: workflow` run: a nested workflow execution (True), or a failed run saying why not."""
    execution = workflow_execution.execution
    fields = task_run_fields(execution, spec)
    fields["workflow_task"] = workflow_task(execution.id, spec, spec.timeout_seconds, None)
    depth = workflow_execution.depth + 1
    workflow = find_workflow(ref) if ref else None
    problem = nesting_problem(depth)
    if problem is None and workflow is None:
        problem = f"unknown workflow '{ref}'"
    elif problem is None and not workflow.enabled:
        problem = f"workflow '{ref}' is disabled"
    resolved = None
    if problem is None:
        try:
            resolved = resolve_workflow_parameters(workflow, spec.input)
        except Exception as exc:  # ExecutionInvalid: the nested workflow cannot start (B11c)
            problem = str(exc)
    if problem is not None:
        from executions.runners.results import failed_result

        run = Execution.objects.create(
            kind=Kind.WORKFLOW,
            action_ref=ref or "",
            workflow=workflow,
            status=Status.FAILED,
            # The reason may quote the input: the workflow's secrets are masked in it.
            result=mask(failed_result(problem), execution.secret_texts),
            secret_texts=execution.secret_texts,
            finished_at=timezone.now(),
            **fields,
        )
        events.status_changed([run.id])
        return False
    deadline = (
        timezone.now() + datetime.timedelta(seconds=spec.timeout_seconds) if spec.timeout_seconds else None
    )
    executor_id = fields.pop("executor_id")
    create_workflow_execution(
        workflow,
        resolved,
        executor_id=executor_id,
        run_fields=fields,
        depth=depth,
        deadline_at=deadline,
        inherited=execution.secret_texts,
    )
    return True


def collected_results(execution: Execution, spec) -> ResultsCollected:
    """Each item's latest result, in index order (None for an item that never ran): one read."""
    results = [None] * spec.total
    rows = (
        Execution.objects.filter(parent_id=execution.id, task_name=spec.task, activation=spec.activation)
        .order_by("item_index", "attempt")
        .values_list("item_index", "result")
    )
    for index, result in rows:  # a later attempt overwrites an earlier one
        if index is not None and index < spec.total:
            results[index] = result
    return ResultsCollected(spec.task, spec.activation, results)


def task_run(execution: Execution, key):
    return Execution.objects.filter(
        parent_id=execution.id,
        task_name=key.task,
        activation=key.activation,
        item_index=key.item_index,
        attempt=key.attempt,
    ).first()


def cancel_run(execution: Execution, key, policy: str) -> None:
    run = task_run(execution, key)
    if run is None or run.status in TERMINAL:
        return
    if run.kind == Kind.WORKFLOW:
        # Never two workflow locks at once: the nested one is cancelled after this commits.
        from .cancel import cancel_workflow_quietly

        transaction.on_commit(lambda: cancel_workflow_quietly(run.id, policy))
        return
    with contextlib.suppress(lifecycle.AlreadyFinished):  # it ended meanwhile: advanced as is
        lifecycle.request_cancel(run)


def wait_event(execution: Execution, wait):
    """The InquiryResolved to feed now, or None while the inquiry is pending."""
    from executions.inquiries import as_dict

    inquiry_id = inquiry_number(wait.inquiry_id)
    inquiry = None
    if inquiry_id is not None:
        inquiry = Inquiry.objects.select_related("execution").filter(id=inquiry_id).first()
    if inquiry is None or not asked_within(inquiry, execution):
        error = (
            f"wait_for: {wait.inquiry_id!r} is not the id of an inquiry created in this workflow execution"
        )
        return InquiryResolved(wait.task, wait.activation, {"status": "invalid", "error": error})
    if inquiry.status == InquiryStatus.PENDING:
        return None
    return InquiryResolved(wait.task, wait.activation, as_dict(inquiry))


def inquiry_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value)
    return None


def asked_within(inquiry: Inquiry, execution: Execution) -> bool:
    """The inquiry was asked by a run of `execution` or of a workflow nested in it."""
    current = inquiry.execution
    for _ in range(64):
        if current.parent_id is None:
            return False
        if current.parent_id == execution.id:
            return True
        current = Execution.objects.only("id", "parent_id").get(id=current.parent_id)
    return False


def finish_workflow(workflow_execution, finished) -> None:
    """The workflow's own execution ends (its parent, if any, is advanced after the commit)."""
    from .advance import advance_on_commit

    execution = workflow_execution.execution
    status = FINAL_STATUS[finished.status]
    # Masked when written, as an action run's result is: a parent reads it as stored.
    result = mask(finished.result, execution.secret_texts)
    if status == Status.CANCELLED and (workflow_execution.error or {}).get("timed_out"):
        status = Status.TIMEOUT
        result = {**result, "error": workflow_execution.error["message"], "timed_out": True}
    now = timezone.now()
    Execution.objects.filter(id=execution.id, status__in=[Status.RUNNING, Status.CANCELING]).update(
        status=status, result=result, finished_at=now, updated=now
    )
    execution.status, execution.result, execution.finished_at = status, result, now
    events.status_changed([execution.id])
    Inquiry.objects.filter(execution__parent_id=execution.id, status=InquiryStatus.PENDING).update(
        status=InquiryStatus.CANCELLED, updated=now
    )
    if execution.parent_id:
        advance_on_commit(execution.parent_id)
