"""Where a definition's templates are, and what each may refer to when it renders.

docs/workflow-language.md#templates has the table this module follows: a task's `when`,
`with_items`, `timeout`, `wait_for` and `input` render in task scope (with `item`/`index`
in the `input` of a `with_items` task), its transitions and `retry.on_error` after the
task has finished, and `output_map` when the workflow succeeds.
"""

from collections.abc import Container
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from .diagnostics import pointer

MARKERS = ("{{", "{%", "{#")
# Rendered before the task's own inquiry is answered: the guard, then `wait_for` itself
# (`with_items` too, but it is refused beside `wait_for`, W124).
BEFORE_INQUIRY = {"when", "with_items", "wait_for"}


@dataclass(frozen=True)
class Finished:
    """Tasks certainly finished: those in `before` (any container), and `also` when given."""

    before: Container = field(default_factory=frozenset)
    also: str | None = None
    # Each nested task's enclosing `parallel` groups, innermost last (enclosing_groups).
    groups: dict = field(default_factory=dict)

    def __contains__(self, name) -> bool:
        # `name` has finished when it, or a group it is nested in at any depth, has: the engine
        # finishes a group only once none of its tasks runs or waits (S35, maybe_finish_group in
        # executions/conductor/groups.py), so each nested task has finished or will never run.
        return any(
            candidate == self.also or candidate in self.before
            for candidate in (name, *self.groups.get(name, ()))
        )


@dataclass(frozen=True)
class Scope:
    """What a template at one place in the definition may refer to."""

    path: str
    text: str
    finished: Finished  # tasks certainly finished when this template renders
    transition: bool = False  # result()/succeeded()/... allowed
    iteration: bool = False  # item/index allowed
    task: str | None = None  # the task the template belongs to (None in `output_map`)
    before_inquiry: bool = False  # renders before `task`'s own inquiry is answered


def task_names(tasks, *, waiting: bool = False) -> set[str]:
    """Every task's name, nested ones included; with `waiting`, only those with `wait_for`."""
    names = set()
    for task in tasks if isinstance(tasks, list) else ():
        if isinstance(task, dict):
            if isinstance(task.get("name"), str) and (not waiting or "wait_for" in task):
                names.add(task["name"])
            names |= task_names(task.get("tasks"), waiting=waiting)
    return names


def enclosing_groups(tasks, outer: tuple) -> dict[str, tuple]:
    """Each nested task's `parallel` groups, outermost first; top-level tasks are left out.

    Built here rather than taken from the conductor's Graph (its `parent` is the same
    relation, one level at a time): importing the engine package would import the renderer
    and make the validator and the conductor import each other (the conductor already
    imports the validator's language definitions).
    """
    found = {}
    for task in tasks if isinstance(tasks, list) else ():
        if isinstance(task, dict) and isinstance(task.get("name"), str):
            if outer:
                found[task["name"]] = outer
            found.update(enclosing_groups(task.get("tasks"), (*outer, task["name"])))
    return found


def task_scopes(tasks, prefix: tuple, finished_before: dict, groups: dict):
    """Yield a scope for every template string in the tasks, nested `parallel` tasks included."""
    for index, task in enumerate(tasks if isinstance(tasks, list) else ()):
        if not isinstance(task, dict):
            continue
        at = (*prefix, index)
        name = task.get("name")
        name = name if isinstance(name, str) else None
        before = finished_before.get(name) if name is not None else None
        # Kept as given, never copied: copying one set per task is quadratic in a long chain.
        before = before if isinstance(before, AbstractSet | list) else frozenset()
        iterates = bool(task.get("with_items"))
        for key in ("input", "when", "with_items", "timeout", "wait_for"):
            if key in task:
                for parts, text in strings(task[key], (*at, key)):
                    # item/index exist only while rendering each iteration's input.
                    yield Scope(
                        pointer(*parts),
                        text,
                        Finished(before, groups=groups),
                        iteration=iterates and key == "input",
                        task=name,
                        before_inquiry=key in BEFORE_INQUIRY,
                    )
        # A transition, like retry's `on_error`, is judged after its own task has finished.
        after = Finished(before, name, groups)
        for parts, text in transition_strings(task.get("next"), (*at, "next")):
            yield Scope(pointer(*parts), text, after, transition=True, task=name)
        retry = task.get("retry")
        if isinstance(retry, dict) and "on_error" in retry:
            for parts, text in strings(retry["on_error"], (*at, "retry", "on_error")):
                yield Scope(pointer(*parts), text, after, transition=True, task=name)
        yield from task_scopes(task.get("tasks"), (*at, "tasks"), finished_before, groups)


def transition_strings(transitions, prefix: tuple):
    for index, transition in enumerate(transitions if isinstance(transitions, list) else ()):
        if not isinstance(transition, dict):
            continue
        if "when" in transition:
            yield from strings(transition["when"], (*prefix, index, "when"))
        publish = transition.get("publish")
        for position, entry in enumerate(publish if isinstance(publish, list) else ()):
            # A bare name publishes result() and holds no template; only mappings do.
            if isinstance(entry, dict):
                for key, value in entry.items():
                    yield from strings(value, (*prefix, index, "publish", position, key))


def strings(value, parts: tuple):
    """Yield (path parts, text) for every string holding template markup, recursively."""
    if isinstance(value, str):
        if any(marker in value for marker in MARKERS):
            yield parts, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*parts, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*parts, index))
