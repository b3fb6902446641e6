"""The core pack's built-in actions: run in the worker's own process, no interpreter spawned."""

import time

from executions.runners.results import failed_result, result_object


def run(context) -> dict:
    implementation = BUILTINS.get(context.action.entry_point)
    if implementation is None:
        return failed_result(f"'{context.action.entry_point}' is not a built-in action")
    started = time.monotonic()
    result = implementation(context)
    result["duration_ms"] = int((time.monotonic() - started) * 1000)
    return result


def noop(context) -> dict:
    return result_object(succeeded=True, exit_code=0, data={})


def echo(context) -> dict:
    return result_object(succeeded=True, exit_code=0, stdout=str(context.parameters.get("message", "")))


def fail(context) -> dict:
    message = str(context.parameters.get("message") or "failed on purpose (core.fail)")
    return failed_result(message, exit_code=1)


def sleep(context) -> dict:
    seconds = float(context.parameters.get("seconds", 1))
    if context.cancel.wait(timeout=seconds):
        return failed_result("cancelled", exit_code=None, cancelled=True)
    return result_object(succeeded=True, exit_code=0, data={})


BUILTINS = {"noop": noop, "echo": echo, "fail": fail, "sleep": sleep}
