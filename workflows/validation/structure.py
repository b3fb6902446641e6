"""The language's shape as a JSON Schema, and the structural check that applies it.

The schema is published (GET /api/v1/workflows/schema, docs/workflow-language.md) so
editors can validate as authors type. It accepts the seed's shorthand keys, which
`normalize` then folds into `next`.
"""

import jsonschema_rs
from jsonschema import Draft202012Validator

from workflows.validation.diagnostics import Diagnostic, pointer
from workflows.validation.language import (
    BACKOFFS,
    CANCELLATION_POLICIES,
    LEGACY_TASK_KEYS,
    RETRY_KEYS,
    TASK_KEY_ALIASES,
    TASK_KEYS,
    TASK_TYPES,
    TOP_LEVEL_KEYS,
    TRANSITION_KEYS,
)

NAME = {"type": "string", "minLength": 1, "maxLength": 255}
TEMPLATE = {"type": "string"}
TARGETS = {"type": "array", "items": NAME}
PUBLISH = {
    "type": "array",
    "items": {
        "oneOf": [NAME, {"type": "object", "minProperties": 1, "maxProperties": 1}],
    },
}
TRANSITION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"when": TEMPLATE, "publish": PUBLISH, "do": TARGETS, "__chart_meta__": {}},
}
RETRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["count"],
    "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": 100},
        "delay": {"type": "number", "minimum": 0},
        "backoff": {"enum": list(BACKOFFS)},
        "max_delay": {"type": "number", "minimum": 0},
        "on_error": TEMPLATE,
    },
}
DECISION = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"when": TEMPLATE, "default": {"type": "boolean"}, "next": NAME},
        "required": ["next"],
    },
}
# Attune's shapes (crates/common workflow parser): an inquiry id or template (not empty);
# a ref or a list of refs (or a template giving either); a Data Cache selector.
WAIT_FOR = {
    "type": "object",
    "additionalProperties": False,
    "required": ["inquiry"],
    "properties": {"inquiry": {"type": ["integer", "string"], "minimum": 1, "pattern": "\\S"}},
}
PERMISSION_SET_REFS = {"oneOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": NAME}]}
ITERATE_CACHE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["namespace"],
    "properties": {
        "owner_type": {"type": "string"},
        "owner_ref": {"type": "string"},
        "namespace": {"type": "string", "minLength": 1},
        "generation": {"type": "string", "minLength": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "require_fresh": {"type": "boolean"},
    },
}
TASK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": NAME,
        "type": {"enum": list(TASK_TYPES)},
        "action": {"type": "string", "minLength": 1},
        "input": {"type": "object"},
        "next": {"type": "array", "items": TRANSITION},
        "when": TEMPLATE,
        "with_items": {"type": ["string", "array"]},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 1000},
        "concurrency": {"type": "integer", "minimum": 1, "maximum": 100},
        "retry": RETRY,
        "timeout": {"oneOf": [{"type": "integer", "minimum": 0}, TEMPLATE]},
        "join": {"type": "integer", "minimum": 1},
        "tasks": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/task"}},
        "__chart_meta__": {},
        "on_success": {"oneOf": [NAME, TARGETS]},
        "on_failure": {"oneOf": [NAME, TARGETS]},
        "on_complete": {"oneOf": [NAME, TARGETS]},
        "on_timeout": {"oneOf": [NAME, TARGETS]},
        "decision": DECISION,
        "publish": PUBLISH,
        "wait_for": WAIT_FOR,
        "iterate_cache": ITERATE_CACHE,
        "permission_set_refs": PERMISSION_SET_REFS,
        "permission_set_ref": PERMISSION_SET_REFS,
    },
}
WORKFLOW_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://attune.example/schemas/workflow.json",
    "title": "Attune workflow definition",
    "type": "object",
    "additionalProperties": False,
    # `version` is optional: through the API the workflow record's `version` is the
    # workflow's version; a pack's graph file without one gets its action's.
    "required": ["tasks"],
    "properties": {
        "version": {"type": "string", "minLength": 1, "maxLength": 50},
        "ref": {"type": "string"},
        "label": {"type": "string"},
        "description": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "parameters": {"type": "object"},
        "output": {"type": "object"},
        "vars": {"type": "object", "propertyNames": {"pattern": "^[A-Za-z0-9_-]+$"}},
        # Top-level tasks inline the task schema: resolving a $ref per task doubles the cost.
        "tasks": {"type": "array", "minItems": 1, "items": TASK},
        "output_map": {"type": "object", "additionalProperties": TEMPLATE},
        "cancellation_policy": {"enum": list(CANCELLATION_POLICIES)},
    },
    "$defs": {"task": TASK},
}
assert set(WORKFLOW_SCHEMA["properties"]) == TOP_LEVEL_KEYS
assert set(TASK["properties"]) == TASK_KEYS | set(LEGACY_TASK_KEYS) | set(TASK_KEY_ALIASES)
assert set(TRANSITION["properties"]) == TRANSITION_KEYS and set(RETRY["properties"]) == RETRY_KEYS

_VALIDATOR = Draft202012Validator(WORKFLOW_SCHEMA)
# The same schema compiled in Rust: a yes/no answer about 50x faster than iter_errors. Most
# definitions are valid, so only an invalid one pays for jsonschema's located errors.
_VALIDITY = jsonschema_rs.validator_for(WORKFLOW_SCHEMA)
CODES = {
    "additionalProperties": "W001-unknown-key",
    "type": "W002-wrong-type",
    "required": "W003-missing-key",
    "enum": "W004-invalid-value",
    "minItems": "W005-empty-list",
}


def structure_diagnostics(definition) -> list[Diagnostic]:
    """Every place where `definition` does not have the language's shape."""
    if _is_valid(definition):
        return []
    diagnostics = []
    for error in sorted(_VALIDATOR.iter_errors(definition), key=lambda e: list(map(str, e.absolute_path))):
        diagnostics += _from_error(error)
    return diagnostics


def _is_valid(definition) -> bool:
    """The compiled pass's verdict; False (so jsonschema decides) when it cannot judge.

    It may only be trusted for "valid": where the two differ (Python's `$` also matches
    before a final newline, an infinite float is not a number in Rust), it says invalid
    and jsonschema, the reference, gives the answer.
    """
    try:
        return _VALIDITY.is_valid(definition)
    except (ValueError, TypeError, OverflowError, RecursionError):
        return False  # a value JSON has no form for (it is reported by jsonschema or the limits)


def _from_error(error) -> list[Diagnostic]:
    path = tuple(error.absolute_path)
    code = CODES.get(error.validator, "W006-invalid-value")
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return [
            Diagnostic(code, f"Unknown key '{key}'. Allowed here: {', '.join(allowed)}.", pointer(*path, key))
            for key in sorted(set(error.instance) - set(allowed))
        ]
    if error.validator == "minItems" and path:
        return [Diagnostic(code, f"'{path[-1]}' must not be empty.", pointer(*path))]
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        return [Diagnostic(code, f"'{key}' is required here.", pointer(*path)) for key in missing[:1]]
    if code == "W006-invalid-value":
        return [Diagnostic(code, _invalid_value(path, error), pointer(*path))]
    return [Diagnostic(code, f"{error.message}.", pointer(*path))]


# What a valid value is, where the schema alone would say it badly.
SHORTHAND_HINT = "a task name or a list of task names; conditions go in `next`"
HINTS = {
    "on_success": SHORTHAND_HINT,
    "on_failure": SHORTHAND_HINT,
    "on_complete": SHORTHAND_HINT,
    "on_timeout": SHORTHAND_HINT,
    "timeout": 'a number of seconds (an integer, 0 or more) or a template such as "{{ parameters.timeout }}"',
    "publish": "a variable name, or a mapping of one variable name to its value (`- name: value`)",
    "permission_set_refs": "a permission set ref or a list of them",
    "permission_set_ref": "a permission set ref or a list of them",
    "inquiry": 'an inquiry id (an integer, 1 or more) or a template that gives one, such as "{{ task.ask.inquiry_id }}"',
}


def _invalid_value(path: tuple, error) -> str:
    """`<key>` takes <what is valid> (got <the value>)."""
    names = [part for part in path if isinstance(part, str)]
    key = names[-1] if names else "the document"
    entry = bool(path) and isinstance(path[-1], int)
    if error.validator == "pattern" and key == "vars":
        return f"`vars` names use letters, digits, '_' and '-' only (got {_shown(error.instance)})."
    expected = HINTS.get(key) or _expected(error.schema)
    subject = f"Each `{key}` entry is" if entry and key in HINTS else f"`{key}` takes"
    if entry and key not in HINTS:
        subject = f"Each `{key}` item is"
    return f"{subject} {expected} (got {_shown(error.instance)})."


def _expected(schema: dict) -> str:
    """A schema node said in words: 'an integer from 1 to 100', 'a string of 1-255 characters'."""
    if "oneOf" in schema:
        return " or ".join(_expected(option) for option in schema["oneOf"])
    kind = schema.get("type")
    if kind in ("integer", "number"):
        noun = "an integer" if kind == "integer" else "a number"
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return f"{noun} from {low} to {high}"
        return f"{noun} of {low} or more" if low is not None else noun
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if high is not None:
            return f"a string of {low}-{high} characters"
        return "a non-empty string" if low else "a string"
    if kind == "array":
        return (
            f"a list of items, each {_expected(schema.get('items', {}))}" if "items" in schema else "a list"
        )
    if kind == "object":
        if schema.get("maxProperties") == 1:
            return "a mapping with exactly one key"
        return "a mapping"
    return "a valid value"


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
