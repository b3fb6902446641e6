"""An action's parameters as a run receives them: schema defaults applied, then validated.

The action's `parameters` schema is flat (`{name: {type, default?, required?, secret?}}`) or
a JSON Schema (attune.validators.to_json_schema reads both). A given value that is `null`
counts as not given, so its default applies (docs/workflow-language.md, "parameters").
"""

import copy

from jsonschema import Draft202012Validator, validators

from attune.validators import secret_keys, to_json_schema


class ParametersInvalid(Exception):
    """The parameters do not match the schema; `errors` is `{parameter: [messages]}`."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {messages[0]}" for name, messages in errors.items()))


def resolve_parameters(schema: dict, given: dict | None) -> dict:
    """The parameters with defaults for the missing ones, or ParametersInvalid."""
    if given is not None and not isinstance(given, dict):
        raise ParametersInvalid({"parameters": ["Must be a JSON object."]})
    secrets = secret_keys(schema or {})
    schema = to_json_schema(schema or {})
    resolved = {name: value for name, value in (given or {}).items() if value is not None}
    for name, prop in (schema.get("properties") or {}).items():
        if name not in resolved and isinstance(prop, dict) and "default" in prop:
            # A copy: a mutable default must not be shared between runs.
            resolved[name] = copy.deepcopy(prop["default"])
    validator_class = validators.validator_for(schema, default=Draft202012Validator)
    errors: dict[str, list[str]] = {}
    for error in sorted(validator_class(schema).iter_errors(resolved), key=lambda e: list(e.absolute_path)):
        for name, message in _located(error, resolved, schema, secrets):
            errors.setdefault(name, []).append(message)
    if errors:
        raise ParametersInvalid(errors)
    return resolved


def _located(error, instance: dict, schema: dict, secrets: set[str]):
    """(parameter, message) pairs for one schema error, named after the parameter at fault."""
    path = ".".join(str(part) for part in error.absolute_path)
    if path and error.absolute_path[0] in secrets:
        # jsonschema's messages quote the value; a secret is never repeated back.
        yield (
            path,
            f"The value does not satisfy the schema's '{error.validator}' rule (not shown: it is secret).",
        )
    elif path:
        yield path, f"{error.message}."
    elif error.validator == "required":
        for name in error.validator_value:
            if name not in instance:
                yield name, "This parameter is required."
    elif error.validator == "additionalProperties":
        known = set(schema.get("properties") or {})
        for name in sorted(set(instance) - known):
            yield name, "Unknown parameter: the action does not declare it."
    else:
        yield "parameters", f"{error.message}."
