"""An action's parameters as a run receives them: schema defaults applied, then validated.

One implementation for the runner (an invalid run fails, nothing executes) and the API
(`POST /executions/execute` answers 400 with the same per-field messages).
"""

import copy

from jsonschema import Draft202012Validator, validators

from attune.validators import schema_problems, to_json_schema

# Where a problem with the parameters as a whole (not one named field) is reported.
NON_FIELD = "non_field_errors"


class ParameterError(Exception):
    """The parameters do not match the action's schema; `errors` maps a field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(self.summary())

    def summary(self) -> str:
        parts = [f"{field}: {'; '.join(messages)}" for field, messages in sorted(self.errors.items())]
        return "invalid parameters: " + " | ".join(parts)


def resolve_parameters(schema, given) -> dict:
    """`given` with the defaults of `schema` (flat or JSON Schema) filled in for missing or
    null top-level values, checked against the schema. Raises ParameterError."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise ParameterError({NON_FIELD: ["Parameters must be a JSON object."]})
    if not schema:
        return dict(given)
    if schema_problems(schema):  # the models refuse such schemas; a row edited by hand may not
        raise ParameterError({NON_FIELD: ["The action's parameter schema is invalid."]})
    json_schema = to_json_schema(schema)
    resolved = dict(given)
    for name, prop in (json_schema.get("properties") or {}).items():
        if isinstance(prop, dict) and "default" in prop and resolved.get(name) is None:
            resolved[name] = copy.deepcopy(prop["default"])
    validator_class = validators.validator_for(json_schema, default=Draft202012Validator)
    errors: dict[str, list[str]] = {}
    for error in validator_class(json_schema).iter_errors(resolved):
        errors.setdefault(_field_of(error), []).append(error.message)
    if errors:
        raise ParameterError(errors)
    return resolved


def _field_of(error) -> str:
    if error.absolute_path:
        return str(error.absolute_path[0])
    if error.validator == "required":  # one error per missing name, named in the message
        for name in error.validator_value:
            if error.message.startswith(repr(name)):
                return str(name)
    return NON_FIELD
