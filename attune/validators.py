"""Field rules shared by packs and workflows: refs, versions, tags, parameter schemas.

Each rule is one function raising django.core.exceptions.ValidationError, attached to the
model field, so the API serializers, the admin forms and the pack loader all apply it.
"""

import functools
import json
import re

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator, SchemaError, validators

PACK_REF_MAX = 64
WORKFLOW_NAME_MAX = 128
TAG_MAX = 64

PACK_REF_RE = re.compile(rf"^[a-z][a-z0-9_-]{{0,{PACK_REF_MAX - 1}}}$")
WORKFLOW_NAME_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{WORKFLOW_NAME_MAX}}}$")
# Semantic Versioning 2.0.0 (https://semver.org), the grammar's own regular expression.
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

# Keys a flat (StackStorm-style) property may carry besides JSON Schema keywords.
FLAT_ONLY_KEYS = {"required", "secret"}
JSON_SCHEMA_MARKERS = {
    "$schema",
    "$id",
    "$ref",
    "properties",
    "additionalProperties",
    "allOf",
    "anyOf",
    "oneOf",
}


# Taken by collection endpoints (`POST /api/v1/packs/register`, `/upload`).
RESERVED_PACK_REFS = {"register", "upload"}


def validate_pack_ref(value: str) -> None:
    if not isinstance(value, str) or not PACK_REF_RE.match(value):
        raise ValidationError(
            "Pack ref must be 1-64 characters of lowercase letters, digits, '_' or '-', "
            "starting with a lowercase letter (no dots).",
            code="invalid_ref",
        )
    if value in RESERVED_PACK_REFS:
        raise ValidationError(
            f"'{value}' is reserved by the API; choose another pack ref.", code="reserved_ref"
        )


def validate_workflow_ref(value: str) -> None:
    pack_ref, dot, name = value.partition(".") if isinstance(value, str) else ("", "", "")
    if not dot or not PACK_REF_RE.match(pack_ref) or not WORKFLOW_NAME_RE.match(name):
        raise ValidationError(
            "Workflow ref must be '<pack_ref>.<name>': a valid pack ref, one dot, and a name of "
            "1-128 letters, digits, '_' or '-'.",
            code="invalid_ref",
        )


def validate_semver(value: str) -> None:
    if not isinstance(value, str) or not SEMVER_RE.match(value):
        raise ValidationError(
            f"'{value}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0).",
            code="invalid_version",
        )


WORKFLOW_VERSION_MAX = 50


def validate_workflow_version(value: str) -> None:
    """A workflow's version is opaque, as in Attune ("1.0", "2024-06", "v3"): only its length counts."""
    if not isinstance(value, str) or not 1 <= len(value) <= WORKFLOW_VERSION_MAX:
        raise ValidationError(
            f'A workflow version is a string of 1-{WORKFLOW_VERSION_MAX} characters (e.g. "1.0" or "1.0.0").',
            code="invalid_version",
        )


def normalize_tags(value) -> list[str]:
    """Trim, check and de-duplicate tags, keeping their first-seen order."""
    if not isinstance(value, list):
        raise ValidationError("Tags must be a list of strings.", code="invalid_tags")
    tags: list[str] = []
    for raw in value:
        if not isinstance(raw, str):
            raise ValidationError(f"Tag {raw!r} is not a string.", code="invalid_tags")
        tag = raw.strip()
        if not 1 <= len(tag) <= TAG_MAX:
            raise ValidationError(
                f"Tag {raw!r} must be 1-{TAG_MAX} characters after trimming.", code="invalid_tags"
            )
        if "," in tag:
            raise ValidationError(f"Tag {tag!r} must not contain a comma.", code="invalid_tags")
        if tag not in tags:
            tags.append(tag)
    return tags


def validate_tags(value) -> None:
    normalize_tags(value)


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("Must be a list of non-empty strings.", code="invalid_list")


def validate_pack_ref_list(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Must be a list of pack refs.", code="invalid_list")
    for index, ref in enumerate(value):
        try:
            validate_pack_ref(ref)
        except ValidationError:
            raise ValidationError(f"{ref!r} is not a valid pack ref.", code="invalid_ref") from None
        if ref in value[:index]:
            raise ValidationError(f"'{ref}' is listed twice.", code="duplicate_ref")


def validate_object(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError("Must be a JSON object.", code="invalid_object")


def validate_list(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Must be a JSON array.", code="invalid_list")


def validate_labels(value) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValidationError("Must be an object of string labels.", code="invalid_labels")


# --- parameter / output / config schemas -------------------------------------------------


def is_json_schema(schema: dict) -> bool:
    """A full JSON Schema states its top-level `type` (or `$schema`); the flat form cannot.

    In the flat form every top-level value is a property object, so a `type` that is a
    string can only mean JSON Schema, while a parameter may be named `properties` or `$ref`.
    """
    return isinstance(schema.get("type"), (str, list)) or "$schema" in schema


def flat_to_json_schema(flat: dict) -> dict:
    """Convert `{name: {type, required?, secret?, ...}}` to an object JSON Schema."""
    properties, required = {}, []
    for name, spec in flat.items():
        properties[name] = {k: v for k, v in spec.items() if k not in FLAT_ONLY_KEYS}
        if spec.get("required") is True:
            required.append(name)
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _flat_problems(flat: dict) -> list[str]:
    problems = []
    for name, spec in flat.items():
        if not isinstance(spec, dict):
            problems.append(f'\'{name}\': must be an object such as {{"type": "string"}}.')
            continue
        for key in FLAT_ONLY_KEYS & spec.keys():
            if not isinstance(spec[key], bool):
                problems.append(f"'{name}.{key}': must be true or false.")
    return problems


def _default_problems(schema: dict, validator_class) -> list[str]:
    problems = []
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and "default" in prop:
            errors = list(validator_class(prop).iter_errors(prop["default"]))
            if errors:
                problems.append(f"'{name}.default': {errors[0].message}.")
    return problems


def to_json_schema(value: dict) -> dict:
    """The JSON Schema a schema field value stands for (flat form converted)."""
    return value if is_json_schema(value) else flat_to_json_schema(value)


def schema_problems(value) -> list[str]:
    """Every problem with a parameter/output/config schema, in either accepted form."""
    if not isinstance(value, dict):
        return ["Must be a JSON object: a JSON Schema or a flat {name: {type, ...}} map."]
    try:
        key = json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return ["Must contain JSON values only."]
    return list(_schema_problems(key))


@functools.lru_cache(maxsize=1024)
def _schema_problems(key: str) -> tuple[str, ...]:
    # Cached on the schema's JSON text: packs repeat parameter shapes, and checking a schema
    # against the metaschema costs about a millisecond each time.
    value = json.loads(key)
    if not is_json_schema(value):
        problems = _flat_problems(value)
        if problems:
            return tuple(problems)
    schema = to_json_schema(value)
    declared = schema.get("type", "object")
    if declared != "object" and not (isinstance(declared, list) and "object" in declared):
        return ("A parameter schema describes an object: its 'type' must be 'object'.",)
    validator_class = validators.validator_for(schema, default=Draft202012Validator)
    try:
        validator_class.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return (f"Invalid schema at '{where or '/'}': {exc.message}.",)
    return tuple(_default_problems(schema, validator_class))


def validate_param_schema(value) -> None:
    problems = schema_problems(value)
    if problems:
        raise ValidationError(problems, code="invalid_schema")


def secret_keys(conf_schema) -> set[str]:
    """Top-level config keys the schema marks `secret: true` (or JSON Schema `writeOnly`)."""
    if not isinstance(conf_schema, dict) or schema_problems(conf_schema):
        return set()
    properties = to_json_schema(conf_schema).get("properties") or {}
    flat = {} if is_json_schema(conf_schema) else conf_schema
    return {
        name
        for name, prop in properties.items()
        if isinstance(prop, dict)
        and (
            prop.get("secret") is True
            or prop.get("writeOnly") is True
            or flat.get(name, {}).get("secret") is True
        )
    }


def config_problems(conf_schema: dict, config: dict) -> list[str]:
    """Problems with a pack's config measured against its conf_schema."""
    if not conf_schema or schema_problems(conf_schema):
        return []
    schema = to_json_schema(conf_schema)
    validator_class = validators.validator_for(schema, default=Draft202012Validator)
    return [
        f"'{'/'.join(str(p) for p in error.absolute_path) or '/'}': {error.message}."
        for error in sorted(validator_class(schema).iter_errors(config), key=str)
    ]
