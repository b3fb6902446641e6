"""Attune task keys that this server accepts and stores but cannot honour yet.

Attune's own workflows use them, so they are not unknown keys (W001): each gets a
diagnostic naming the Attune feature it needs. Errors where running the workflow without
the feature would do something else than the author meant (run once instead of once per
cache entry); a warning where the key only grants less than asked
(no execution-scoped API token is issued here).
"""

from workflows.validation.diagnostics import WARNING, Diagnostic, pointer
from workflows.validation.language import TASK_KEY_ALIASES

# `wait_for` was here (W601) until the engine could wait for inquiries; W601 is retired and
# `wait_for` is checked like any other key (usage.py W124, templates.py `inquiry.<task>`).
FEATURES = {
    "iterate_cache": (
        "W602-iterate-cache-not-supported",
        None,
        "`iterate_cache` (Attune's Data Cache iteration) is not supported: this server has no "
        "Data Caches (a pack's caches/ are not loaded). Iterate over a list with `with_items`.",
    ),
    "permission_set_refs": (
        "W603-permission-sets-not-applied",
        WARNING,
        "`permission_set_refs` is stored, but grants nothing here: this server does not issue "
        "Attune's execution-scoped API tokens, so the task's action gets no API token.",
    ),
}


def unsupported_diagnostics(definition: dict) -> list[Diagnostic]:
    """One diagnostic per use of a key in FEATURES (or its alias), in nested tasks too.

    `definition` is the document as written, so each path points at the key the author typed.
    """
    found: list[Diagnostic] = []
    _walk(definition.get("tasks") or [], ("tasks",), found)
    return found


def _walk(tasks: list, path: tuple, found: list) -> None:
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        written = {TASK_KEY_ALIASES.get(key, key): key for key in task}
        for key, (code, severity, message) in FEATURES.items():
            if key in written:
                where = pointer(*path, index, written[key])
                found.append(Diagnostic(code, message, where, severity or "error"))
        if isinstance(task.get("tasks"), list):
            _walk(task["tasks"], (*path, index, "tasks"), found)
