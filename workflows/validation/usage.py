"""Per-task slips: keys that would mean nothing where they stand, and conditions that are not templates."""

from workflows.validation.diagnostics import Diagnostic, pointer


def usage_diagnostics(task: dict, path: tuple) -> list[Diagnostic]:
    """Keys that would silently mean nothing where they stand, and conditions that are not templates."""
    found = []
    kind = task.get("type", "action")
    for key in ("batch_size", "concurrency"):
        if key in task and "with_items" not in task:
            found.append(
                Diagnostic(
                    "W117-needs-with-items",
                    f"'{key}' only applies to tasks with 'with_items'.",
                    pointer(*path, key),
                )
            )
    if kind == "parallel":
        for key in ("input", "action", "retry"):
            if key in task:
                found.append(
                    Diagnostic(
                        "W118-not-for-parallel",
                        f"'{key}' does nothing on a parallel task: put it on its sub-tasks.",
                        pointer(*path, key),
                    )
                )
    if "tasks" in task and kind != "parallel":
        found.append(
            Diagnostic(
                "W119-tasks-need-parallel",
                "Nested 'tasks' only run in a task of type parallel: add 'type: parallel'.",
                pointer(*path, "tasks"),
            )
        )
    found += _wait_for_diagnostics(task, path, kind)
    retry = task.get("retry")
    if (
        isinstance(retry, dict)
        and isinstance(retry.get("max_delay"), (int, float))
        and retry["max_delay"] < retry.get("delay", 0)
    ):
        found.append(
            Diagnostic(
                "W113-retry-max-delay",
                "retry.max_delay is below retry.delay: raise max_delay or lower delay.",
                pointer(*path, "retry", "max_delay"),
            )
        )
    conditions = [((*path, "when"), task.get("when"))]
    conditions += [
        ((*path, "next", i, "when"), t.get("when"))
        for i, t in enumerate(task.get("next") or [])
        if isinstance(t, dict)
    ]
    if isinstance(retry, dict):  # a condition too: retry only when it is true
        conditions.append(((*path, "retry", "on_error"), retry.get("on_error")))
    for where, when in conditions:
        if isinstance(when, str) and not is_template(when):
            found.append(
                Diagnostic(
                    "W115-condition-not-a-template",
                    f'The condition {when!r} is plain text, which would always count as true: write it as a template, e.g. "{{{{ {when} }}}}".',
                    pointer(*where),
                )
            )
    if isinstance(task.get("timeout"), str) and not is_template(task["timeout"]):
        found.append(
            Diagnostic(
                "W116-timeout-not-a-number",
                "timeout is a number of seconds, or a template that gives one.",
                pointer(*path, "timeout"),
            )
        )
    return found


# Where `wait_for` cannot mean what it says (the engine waits once per activation of an
# action task, before its runs).
WAIT_FOR_REFUSED = {
    "parallel": "a parallel task does not wait: put `wait_for` on the nested task that needs the answer",
    "workflow": "a workflow task does not wait: put `wait_for` on an action task before it, or inside the nested workflow",
    "with_items": "the task waits once, before all its items run, not once per item: "
    "wait in a task before this one, or remove `with_items`",
}


def _wait_for_diagnostics(task: dict, path: tuple, kind: str) -> list[Diagnostic]:
    if "wait_for" not in task:
        return []
    reason = WAIT_FOR_REFUSED.get(kind) or ("with_items" in task and WAIT_FOR_REFUSED["with_items"])
    if not reason:
        return []
    return [
        Diagnostic(
            "W124-wait-for-not-here", f"'wait_for' is not allowed here: {reason}.", pointer(*path, "wait_for")
        )
    ]


def is_template(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("{{") and stripped.endswith("}}")
