"""The core pack's built-in actions: run in the worker's own process, no interpreter spawned
(docs/core-pack.md). core.local is the exception: it runs a shell command through the
subprocess runner."""

import logging
import time
from pathlib import Path

from executions import inquiries
from executions.runners import http
from executions.runners.environment import allowed_name
from executions.runners.results import failed_result, result_object
from executions.runners.script import run_command
from executions.runners.secrets import mask

action_log = logging.getLogger("attune.actions")

LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
RUN_LOCAL_PERMISSION = "executions.run_local_command"


def run(context) -> dict:
    implementation = BUILTINS.get(builtin_name(context.action))
    if implementation is None:
        return failed_result(f"'{context.action.entry_point}' is not a built-in action")
    started = time.monotonic()
    result = implementation(context)
    if not result.get("duration_ms"):  # core.local measured its own process
        result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def builtin_name(action) -> str:
    """A built-in is named by its entry point (the core pack's YAML), else by its ref's name."""
    return action.entry_point or action.ref.partition(".")[2]


def noop(context) -> dict:
    return result_object(succeeded=True, exit_code=0, data={})


def echo(context) -> dict:
    return result_object(succeeded=True, exit_code=0, stdout=str(context.parameters.get("message", "")))


def log(context) -> dict:
    level = LOG_LEVELS.get(str(context.parameters.get("level") or "info").lower(), logging.INFO)
    message = mask(str(context.parameters.get("message", "")), context.secrets)
    action_log.log(level, "%s (execution %s)", message, context.execution_id)
    return result_object(succeeded=True, exit_code=0, data={})


def fail(context) -> dict:
    message = str(context.parameters.get("message") or "failed on purpose (core.fail)")
    return failed_result(message, exit_code=1)


def sleep(context) -> dict:
    seconds = float(context.parameters.get("seconds", 1))
    limit = context.timeout_seconds
    if context.cancel.wait(timeout=min(seconds, limit)):
        return failed_result("cancelled", cancelled=True)
    if seconds > limit:
        return failed_result(f"timed out after {limit} seconds", exit_code=-1, timed_out=True)
    return result_object(succeeded=True, exit_code=0, data={})


def local(context) -> dict:
    """A shell command on the worker: only for executors holding executions.run_local_command."""
    executor = context.executor
    if executor is None or not executor.has_perm(RUN_LOCAL_PERMISSION):
        return failed_result(
            f"core.local needs the permission '{RUN_LOCAL_PERMISSION}'; the executor does not hold it"
        )
    params = context.parameters
    cwd = params.get("cwd") or None
    if cwd is not None and not Path(cwd).is_dir():
        return failed_result(f"cwd '{cwd}' is not a directory")
    env = params.get("env") or {}
    if not isinstance(env, dict):
        return failed_result("env must be an object of names and values")
    extra_env = {str(name): str(value) for name, value in env.items() if allowed_name(str(name))}
    timeout = context.timeout_seconds
    if params.get("timeout"):
        timeout = min(float(params["timeout"]), timeout)
    return run_command(
        context, ["/bin/sh", "-c", str(params.get("cmd", ""))], cwd=cwd, extra_env=extra_env, timeout=timeout
    )


def ask(context) -> dict:
    """An inquiry for this run (executions/inquiries.py); the answer comes over the API."""
    params = context.parameters
    try:
        inquiry = inquiries.create_for_run(
            context.execution_id,
            # The inquiry is shown (API, admin): the run's secrets masked in it, as in its result.
            mask(str(params.get("prompt", "")), context.secrets),
            mask(params.get("response_schema") or {}, context.secrets),
            params.get("assigned_to") or None,
            params.get("timeout") or None,
        )
    except inquiries.InquiryRefused as exc:
        return failed_result(exc.message)
    return result_object(succeeded=True, exit_code=0, data={"inquiry_id": inquiry.id})


BUILTINS = {
    "noop": noop,
    "echo": echo,
    "log": log,
    "fail": fail,
    "sleep": sleep,
    "http": http.http,
    "http_request": http.http_request,
    "local": local,
    "ask": ask,
}
