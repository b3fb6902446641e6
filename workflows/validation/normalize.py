"""The seed's shorthand (on_success, decision, task-level publish, ...) folded into `next`,
and Attune's key aliases (`permission_set_ref`) renamed to their canonical key.

Order, per task: on_success, on_failure, on_complete, on_timeout, then each decision branch;
a task-level `publish` joins the first transition whose `when` uses succeeded(), else
becomes a succeeded transition of its own. The result holds only the canonical form.
"""

from workflows.validation.diagnostics import Diagnostic, pointer
from workflows.validation.language import LEGACY_TASK_KEYS, TASK_KEY_ALIASES

SUCCEEDED = "{{ succeeded() }}"
SHORTHAND_WHEN = {
    "on_success": SUCCEEDED,
    "on_failure": "{{ failed() }}",
    "on_complete": None,
    "on_timeout": "{{ timed_out() }}",
}


def normalize(definition: dict) -> tuple[dict, list[Diagnostic]]:
    """A copy of `definition` in canonical form, and the problems met on the way.

    Only what normalising changes is copied: the top mapping, each task list and each task
    mapping. Everything else (inputs, transitions, vars) is shared with `definition`, so the
    result must be treated as read-only wherever `definition` is still used; a deep copy
    was a fifth of a large workflow's check.
    """
    diagnostics: list[Diagnostic] = []
    if not isinstance(definition, dict):
        return definition, diagnostics
    result = dict(definition)
    if isinstance(result.get("tasks"), list):
        result["tasks"] = _normalize_tasks(result["tasks"], ("tasks",), diagnostics)
    return result, diagnostics


def _normalize_tasks(tasks: list, path: tuple, diagnostics: list) -> list:
    """A copy of `tasks` (each task mapping copied too) in canonical form."""
    tasks = [dict(task) if isinstance(task, dict) else task for task in tasks]
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        here = (*path, index)
        _rename_aliases(task, here, diagnostics)
        legacy = [key for key in LEGACY_TASK_KEYS if key in task]
        if legacy and "next" in task:
            diagnostics.append(Diagnostic(
                "W114-next-and-shorthand",
                f"Task has both 'next' and '{legacy[0]}': write every transition in 'next' "
                "(the shorthand would otherwise be ignored).",
                pointer(*here, legacy[0]),
            ))  # fmt: skip
        elif legacy:
            task["next"] = _transitions(task, here, diagnostics)
        for key in legacy:
            task.pop(key, None)
        if isinstance(task.get("tasks"), list):
            task["tasks"] = _normalize_tasks(task["tasks"], (*here, "tasks"), diagnostics)
    return tasks


def _rename_aliases(task: dict, here: tuple, diagnostics: list) -> None:
    for alias, key in TASK_KEY_ALIASES.items():
        if alias not in task:
            continue
        if key in task:
            diagnostics.append(Diagnostic(
                "W123-key-and-alias",
                f"Task has both '{key}' and its alias '{alias}': keep '{key}'.",
                pointer(*here, alias),
            ))  # fmt: skip
        task[key] = task.pop(alias) if key not in task else task[key]
        task.pop(alias, None)


def _targets(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def _transitions(task: dict, here: tuple, diagnostics: list) -> list[dict]:
    transitions = []
    for key, when in SHORTHAND_WHEN.items():
        if key in task:
            transition = {"do": _targets(task[key])}
            if when:
                transition["when"] = when
            transitions.append(transition)
    if "decision" in task:
        transitions += _decision(task["decision"], (*here, "decision"), diagnostics)
    if "publish" in task:
        _attach_publish(transitions, task["publish"])
    return transitions


def _condition(when: str) -> str:
    text = when.strip()
    if text.startswith("{{") and text.endswith("}}"):
        text = text[2:-2].strip()
    return f"({text})"


def _decision(branches, path: tuple, diagnostics: list) -> list[dict]:
    if not isinstance(branches, list):
        return []
    defaults = [i for i, b in enumerate(branches) if isinstance(b, dict) and b.get("default") is True]
    for extra in defaults[1:]:
        diagnostics.append(Diagnostic(
            "W121-decision-two-defaults", "A decision has more than one default branch: keep one.",
            pointer(*path, extra, "default"),
        ))  # fmt: skip
    conditions, transitions = [], []
    for index, branch in enumerate(branches):
        if not isinstance(branch, dict):
            continue
        if "when" not in branch and branch.get("default") is not True:
            diagnostics.append(Diagnostic(
                "W122-decision-branch-condition",
                "A decision branch needs 'when' (a condition) or 'default: true'.",
                pointer(*path, index),
            ))  # fmt: skip
            continue
        if isinstance(branch.get("when"), str):
            conditions.append(_condition(branch["when"]))
            transitions.append({"when": branch["when"], "do": _targets(branch.get("next", []))})
    if defaults and isinstance(branches[defaults[0]], dict):
        # A default fires when no other branch does, since every matching transition fires.
        otherwise = " and ".join(f"not {c}" for c in conditions) or "true"
        transitions.append(
            {"when": f"{{{{ {otherwise} }}}}", "do": _targets(branches[defaults[0]].get("next", []))}
        )
    return transitions


def _attach_publish(transitions: list, publish) -> None:
    for transition in transitions:
        if "succeeded()" in str(transition.get("when", "")):
            transition["publish"] = publish
            return
    transitions.append({"when": SUCCEEDED, "publish": publish})
