"""The template namespaces a task, an item or a transition sees (docs: Namespaces)."""

from typing import Any

from .types import Context


def flattened(result: Any) -> Any:
    """Attune's `data` flattening (S25): keys under `data` also appear at the top level."""
    if isinstance(result, dict) and isinstance(result.get("data"), dict):
        merged = dict(result)
        for key, value in result["data"].items():
            merged.setdefault(key, value)
        return merged
    return result


def base_names(state: dict, context: Context) -> dict:
    variables = state["variables"]
    finished = {
        name: flattened(task.get("result"))
        for name, task in state["tasks"].items()
        if task.get("status") not in (None, "pending", "running", "waiting_join", "waiting_inquiry")
    }
    return {
        "parameters": context.parameters,
        "workflow": variables,
        "vars": variables,
        "variables": variables,
        "task": finished,
        "tasks": finished,
        "config": context.config,
        "system": context.system,
        "inquiry": state.get("inquiries", {}),
    }


def transition_names(state: dict, context: Context, status: str, result: Any) -> dict:
    names = base_names(state, context)
    names.update(
        result=lambda: flattened(result),
        succeeded=lambda: status == "succeeded",
        failed=lambda: status == "failed",
        timed_out=lambda: status == "timed_out",
    )
    return names
