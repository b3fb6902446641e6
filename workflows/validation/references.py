"""W402: the actions that action tasks name must exist (a warning: they may be loaded later).

`known_actions(refs)` answers which of a set of refs exist, in one look-up, so a workflow of
a thousand tasks costs one query. `type: workflow` tasks name workflows (W401, graph.py).
"""

from workflows.validation.diagnostics import WARNING, Diagnostic, pointer
from workflows.validation.graph import ACTION_REF


def reference_diagnostics(definition: dict, known_actions) -> list[Diagnostic]:
    if known_actions is None:
        return []
    used = [
        (path, task["action"])
        for path, task in _action_tasks(definition.get("tasks"), ("tasks",))
        if isinstance(task.get("action"), str) and ACTION_REF.match(task["action"])
    ]
    if not used:
        return []
    known = known_actions({ref for _, ref in used})
    return [
        Diagnostic(
            "W402-unknown-action",
            f"No action '{ref}' exists (yet): load its pack before running this workflow.",
            pointer(*path, "action"),
            WARNING,
        )
        for path, ref in used
        if ref not in known
    ]


def _action_tasks(tasks, path):
    """(path, task) of every task, nested ones included, whose type runs an action."""
    if not isinstance(tasks, list):
        return
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        if task.get("type", "action") == "action":
            yield (*path, index), task
        yield from _action_tasks(task.get("tasks"), (*path, index, "tasks"))
