"""Creating the task runs a step asked for: one Execution row per (task, activation, item,
attempt), scheduled (due after its retry wait), or already failed when it cannot run.

A task whose action is unknown, disabled or refuses the rendered input fails without running
(docs/workflow-language.md, "Starting a task"): the row is created terminal, so the next
advance step feeds it to the conductor like any finished run.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from actions.models import Action
from executions import service
from executions.models import Execution, Kind, Status
from executions.redaction import mask, redact, secret_texts
from executions.runners.results import failed_result


def workflow_task(workflow_execution_id: int, spec, timeout_seconds, next_retry_at) -> dict:
    """Attune's `workflow_task` metadata of a task run."""
    return {
        "workflow_execution": workflow_execution_id,
        "task_name": spec.task,
        "triggered_by": spec.triggered_by[-1].task if spec.triggered_by else None,
        "task_index": spec.item_index,
        "task_batch": None,
        "activation": spec.activation,
        "retry_count": spec.attempt,
        "max_retries": spec.max_retries,
        "next_retry_at": next_retry_at.isoformat() if next_retry_at else None,
        "timeout_seconds": timeout_seconds,
        "timed_out": None,
        "duration_ms": None,
    }


def task_run_fields(execution: Execution, spec) -> dict:
    return {
        "parent_id": execution.id,
        "root_id": execution.root_id or execution.id,
        "task_name": spec.task,
        "activation": spec.activation,
        "item_index": spec.item_index,
        "attempt": spec.attempt,
        "max_retries": spec.max_retries,
        "executor_id": execution.executor_id,
    }


def new_action_run(execution: Execution, spec, actions: dict) -> Execution:
    """The unsaved row for an action run of `spec` (`actions`: ref -> Action, preloaded)."""
    now = timezone.now()
    action = actions.get(spec.ref)
    fields = task_run_fields(execution, spec)
    problem, resolved = refusal(action, spec, execution)
    # The workflow's secrets (its own and those above it) are this run's too (docs/executions.md).
    inherited = execution.secret_texts
    if problem:
        given = spec.input if action and isinstance(spec.input, dict) else {}
        config = redact(action.parameters, given, inherited) if given else {}
        texts = secret_texts(config, given, inherited)
        return Execution(
            kind=Kind.ACTION,
            action_ref=spec.ref or "",
            action=action,
            status=Status.FAILED,
            config=config,
            secret_texts=texts,
            result=mask(failed_result(problem), texts),  # the reason may quote the input
            finished_at=now,
            workflow_task=workflow_task(execution.id, spec, spec.timeout_seconds, None),
            **fields,
        )
    timeout = spec.timeout_seconds or action.timeout or settings.ATTUNE_DEFAULT_ACTION_TIMEOUT
    run_after = now + timedelta(seconds=spec.delay_seconds) if spec.delay_seconds else now
    config = redact(action.parameters, resolved, inherited)
    return Execution(
        kind=Kind.ACTION,
        action_ref=action.ref,
        action=action,
        status=Status.SCHEDULED,
        config=config,
        input=resolved,
        secret_texts=secret_texts(config, resolved, inherited),
        timeout_seconds=timeout,
        queue=service.queue_for(action.pack),
        run_after=run_after,
        workflow_task=workflow_task(execution.id, spec, timeout, run_after if spec.delay_seconds else None),
        **fields,
    )


def refusal(action, spec, execution) -> tuple[str | None, dict | None]:
    """Why the run cannot start (None if it can), and its resolved parameters."""
    if action is None:
        return f"unknown action '{spec.ref}'", None
    if not action.enabled:
        return f"action '{spec.ref}' is disabled", None
    if service.needs_local_permission(action) and not (
        execution.executor and execution.executor.has_perm(service.LOCAL_COMMAND_PERMISSION)
    ):
        return (
            f"running '{action.ref}' needs the permission '{service.LOCAL_COMMAND_PERMISSION}', "
            "which the user who started the workflow lacks"
        ), None
    try:
        return None, service.prepare_parameters(action, spec.input)
    except service.ExecutionInvalid as exc:
        details = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.errors.items())
        return f"invalid input for '{action.ref}': {details}", None


def preload_actions(specs) -> dict:
    refs = {spec.ref for spec in specs if spec.kind == "action" and spec.ref}
    if not refs:
        return {}
    return {
        action.ref: action for action in Action.objects.select_related("pack").filter(ref__in=refs).order_by()
    }
