"""The workflow language validator: the one place a definition is judged.

API serializers, admin forms and the pack loader all call `check_definition`: structure
(the language's JSON Schema), the seed's shorthand folded into `next`, the task graph,
templates, limits and the Attune features not supported here. Each finding is a Diagnostic with a stable code, a JSON pointer and,
when the definition came from YAML text, its line and column. Errors block a write;
warnings are returned beside the saved object.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError

from attune.validators import is_json_schema
from workflows.validation.diagnostics import AT_KEY, ERROR, WARNING, Diagnostic, pointer
from workflows.validation.graph import describe_graph, graph_diagnostics
from workflows.validation.normalize import normalize
from workflows.validation.references import reference_diagnostics
from workflows.validation.structure import WORKFLOW_SCHEMA, structure_diagnostics
from workflows.validation.templates import template_diagnostics
from workflows.validation.unsupported import unsupported_diagnostics

__all__ = [
    "WORKFLOW_SCHEMA",
    "Diagnostic",
    "Report",
    "check_definition",
    "describe_graph",
    "validate_definition",
]


@dataclass
class Report:
    """The normalised definition and everything found on the way."""

    definition: object
    diagnostics: list[Diagnostic]
    # False when limits or structure stopped the check before graph work: the definition may
    # be huge or misshapen, so callers must not analyse it further (e.g. to draw its graph).
    complete: bool = True

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == WARNING]

    def located(self, doc) -> "Report":
        """Diagnostics with the line and column of their path in `doc` (a YamlDocument)."""
        if doc is None:
            return self
        return Report(
            self.definition,
            [d.located(*doc.position(d.path, key=d.code in AT_KEY)) for d in self.diagnostics],
            self.complete,
        )


def check_definition(
    definition, *, param_schema=None, workflow_exists=None, known_actions=None, doc=None
) -> Report:
    """Judge `definition`; `doc` is the YAML it came from, for line numbers.

    `workflow_exists(ref)` and `known_actions(refs)` look sub-workflows and actions up (W401,
    W402); without them those references are not checked (a pack load checks them itself).
    """
    # Limits first, before anything whose cost grows with the definition's size or shape.
    found = _limit_diagnostics(definition)
    if found:
        return Report(definition, found, complete=False).located(doc)
    found = structure_diagnostics(definition)
    if found:
        return Report(definition, found, complete=False).located(doc)
    normalized, found = normalize(definition)
    graph_found, facts = graph_diagnostics(normalized, workflow_exists)
    found += graph_found
    found += reference_diagnostics(normalized, known_actions)
    found += unsupported_diagnostics(definition)
    found += template_diagnostics(
        normalized,
        # A standalone document may declare its own parameters; the caller's schema wins.
        param_names=_param_names(param_schema if param_schema is not None else normalized.get("parameters")),
        var_names=_var_names(normalized),
        finished_before=facts.finished_before,
        finished_at_end=facts.finished_at_end,
    )
    return Report(normalized, sorted(found, key=lambda d: (d.path, d.code))).located(doc)


def validate_definition(definition) -> None:
    """Model field validator: raise with every error (warnings do not block)."""
    errors = check_definition(definition).errors
    if errors:
        raise ValidationError([str(d) for d in errors], code="invalid_definition")


def _param_names(param_schema) -> set[str] | None:
    if not isinstance(param_schema, dict):
        return None
    if is_json_schema(param_schema):
        return set((param_schema.get("properties") or {}).keys())
    return set(param_schema)


def _var_names(definition: dict) -> set[str]:
    names = set(definition.get("vars") or {})
    for task in _all_tasks(definition.get("tasks") or []):
        for transition in task.get("next") or []:
            for entry in transition.get("publish") or []:
                names.update(entry if isinstance(entry, dict) else [entry])
    return names


def _all_tasks(tasks):
    for task in tasks:
        if isinstance(task, dict):
            yield task
            yield from _all_tasks(task.get("tasks") or [])


def _limit_diagnostics(definition) -> list[Diagnostic]:
    if not isinstance(definition, dict):
        return [Diagnostic("W000-not-an-object", "A workflow definition is a mapping (a JSON object).")]
    text = json.dumps(definition, default=str)
    size = len(text)
    if size > settings.ATTUNE_DEFINITION_MAX_BYTES:
        return [
            Diagnostic(
                "W501-definition-too-large",
                f"The definition is {size} bytes; the limit is {settings.ATTUNE_DEFINITION_MAX_BYTES}.",
            )
        ]
    tasks, depth = _count(definition.get("tasks"), 1)
    found = []
    if tasks > settings.ATTUNE_WORKFLOW_MAX_TASKS:
        found.append(
            Diagnostic(
                "W502-too-many-tasks",
                f"{tasks} tasks; the limit is {settings.ATTUNE_WORKFLOW_MAX_TASKS}. Split the workflow.",
                "/tasks",
            )
        )
    if depth > settings.ATTUNE_WORKFLOW_MAX_DEPTH:
        found.append(
            Diagnostic(
                "W503-too-deep",
                f"parallel tasks nest {depth} deep; the limit is {settings.ATTUNE_WORKFLOW_MAX_DEPTH}.",
                "/tasks",
            )
        )
    limit = settings.ATTUNE_TEMPLATE_MAX_LENGTH
    if _long_string(limit).search(text) is None:
        return found  # no string can be longer than the limit: the walk below would find none
    found += [
        Diagnostic(
            "W504-template-too-long",
            f"A {len(value)}-character string; the limit is {limit}.",
            pointer(*path),
        )
        for path, value in _strings(definition, ())
        if len(value) > limit
    ]
    return found


@lru_cache(maxsize=4)
def _long_string(limit: int) -> re.Pattern:
    """A run of more than `limit` characters between two quotes of the JSON text.

    Every character of a string is at least one unit (a character or a backslash escape) of
    its JSON form, so a string longer than `limit` always matches; a match may also be text
    between two strings, which only costs the exact walk.
    """
    return re.compile(rf'"(?:[^"\\]|\\.){{{limit + 1},}}"', re.DOTALL)


def _count(tasks, depth: int) -> tuple[int, int]:
    if not isinstance(tasks, list):
        return 0, depth - 1
    total, deepest = len(tasks), depth
    for task in tasks:
        if isinstance(task, dict) and isinstance(task.get("tasks"), list):
            count, inner = _count(task["tasks"], depth + 1)
            total, deepest = total + count, max(deepest, inner)
    return total, deepest


def _strings(value, path):
    # Paths stay tuples: a pointer is only built for the rare string that is too long.
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
