"""Completion (S36-S38, S40): the workflow ends when nothing runs, waits or is queued."""

from executions.rendering import RenderError, render

from .names import base_names
from .types import Finished

ACTIVE = {"running", "waiting_inquiry", "pending", "collecting"}


def fail_workflow(work, message: str) -> None:
    """S34: the workflow fails; running runs are cancelled as under cancel_running."""
    from .items import in_flight_keys

    if work.state["failing"]:
        return
    work.state["failing"] = message
    for task in work.state["tasks"].values():
        if task.get("items"):
            task["items"]["queue"] = []
        if task["status"] == "waiting_inquiry":
            task["status"] = "cancelled"
    work.step.cancel.extend(
        k for k in in_flight_keys(work, retry_pending_only=False) if k not in work.step.cancel
    )


def check_completion(work) -> None:
    state = work.state
    if state["finished"] or work.queue:
        return
    if state["runs"] or any(t["status"] in ACTIVE for t in state["tasks"].values()):
        return
    for task in state["tasks"].values():
        if task["status"] == "waiting_join":
            task["status"] = "not_run"
    record_never_started(work)
    if state["failing"]:
        finished = Finished("failed", {"error": state["failing"], "succeeded": False})
    elif state["cancelling"]:
        finished = Finished("cancelled", {"error": "Workflow cancelled", "succeeded": False})
    elif state["unhandled"]:
        names = ", ".join(state["unhandled"])
        message = f"Workflow failed: {len(state['unhandled'])} task(s) failed: {names}"
        finished = Finished("failed", {"error": message, "succeeded": False})
    else:
        finished = Finished("completed", output(work))
    state["finished"] = {"status": finished.status, "result": finished.result}
    work.step.finished = finished


def record_never_started(work) -> None:
    """B14: tasks no transition ever triggered end `not_run`, so the task view can show them."""
    from .core import new_task

    for name in work.graph.tasks:
        task = work.state["tasks"].setdefault(name, new_task())
        if task["status"] is None:
            task["status"] = "not_run"


def output(work) -> dict:
    output_map = work.definition.get("output_map")
    if not output_map:
        return {"succeeded": True}
    names = base_names(work.state, work.context)
    result = {}
    for key, template in output_map.items():
        try:
            result[key] = render(template, names)
        except RenderError:
            continue
    result.setdefault("succeeded", True)
    return result
