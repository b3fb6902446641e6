"""The language's shape as a JSON Schema, and the structural check that applies it.

The schema is published (GET /api/v1/workflows/schema, docs/workflow-language.md) so
editors can validate as authors type. It accepts the seed's shorthand keys, which
`normalize` then folds into `next`.
"""

from jsonschema import Draft202012Validator

from workflows.validation.diagnostics import Diagnostic, pointer
from workflows.validation.language import (
    BACKOFFS,
    CANCELLATION_POLICIES,
    LEGACY_TASK_KEYS,
    RETRY_KEYS,
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
    },
}
WORKFLOW_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://attune.example/schemas/workflow.json",
    "title": "Attune workflow definition",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "tasks"],
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
assert set(TASK["properties"]) == TASK_KEYS | set(LEGACY_TASK_KEYS)
assert set(TRANSITION["properties"]) == TRANSITION_KEYS and set(RETRY["properties"]) == RETRY_KEYS

_VALIDATOR = Draft202012Validator(WORKFLOW_SCHEMA)
CODES = {
    "additionalProperties": "W001-unknown-key",
    "type": "W002-wrong-type",
    "required": "W003-missing-key",
    "enum": "W004-invalid-value",
    "minItems": "W005-empty-list",
}


def structure_diagnostics(definition) -> list[Diagnostic]:
    """Every place where `definition` does not have the language's shape."""
    diagnostics = []
    for error in sorted(_VALIDATOR.iter_errors(definition), key=lambda e: list(map(str, e.absolute_path))):
        diagnostics += _from_error(error)
    return diagnostics


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
    if error.validator == "oneOf":
        return [Diagnostic(code, f"{_shown(error.instance)} is not a valid value here.", pointer(*path))]
    return [Diagnostic(code, f"{error.message}.", pointer(*path))]


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
