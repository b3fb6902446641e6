"""Running a claimed execution: the part every transport shares."""

import logging
import os
import socket
import threading

from django.conf import settings

from executions import lifecycle
from executions.models import Status
from executions.runners import RunContext, run_action
from executions.runners.results import failed_result

log = logging.getLogger(__name__)


def worker_name(suffix: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}{suffix}"


def execute(execution_id: int, worker: str, cancel: threading.Event | None = None) -> bool:
    """Claim and run one execution; False when it was not ours to run (duplicate, not due)."""
    execution = lifecycle.claim(execution_id, worker)
    if execution is None:
        return False
    result = _run(execution, cancel or threading.Event())
    status = _status_of(result)
    if not lifecycle.finish(execution.id, worker, status, result):
        log.warning("execution %s: lease lost before it finished; its result is dropped", execution.id)
    return True


def run_inline(execution_id: int) -> bool:
    return execute(execution_id, worker_name(":inline"))


def _run(execution, cancel: threading.Event) -> dict:
    if execution.action is None:
        return failed_result(f"action '{execution.action_ref}' does not exist")
    if not execution.action.enabled:
        return failed_result(f"action '{execution.action_ref}' is disabled")
    context = RunContext(
        execution_id=execution.id,
        attempt=execution.attempt,
        action=execution.action,
        parameters=execution.input,
        timeout_seconds=execution.timeout_seconds or settings.ATTUNE_DEFAULT_ACTION_TIMEOUT,
        env_vars=execution.env_vars,
        executor=execution.executor,
        cancel=cancel,
    )
    try:
        return run_action(context)
    except Exception as exc:  # a runner bug must still end the run, with a reason
        log.exception("execution %s: runner error", execution.id)
        return failed_result(f"internal error while running the action: {type(exc).__name__}")


def _status_of(result: dict) -> str:
    if result.get("cancelled"):
        return Status.CANCELLED
    if result.get("timed_out"):
        return Status.TIMEOUT
    return Status.COMPLETED if result.get("succeeded") else Status.FAILED
