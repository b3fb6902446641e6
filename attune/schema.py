"""OpenAPI pieces shared by every endpoint: envelopes, error responses and request rules."""

import re

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from attune import validators
from attune.api import ErrorSerializer
from attune.serializers import NOT_BLANK_PATTERN, SPACE_CLASS, StrictWriteSerializer, UnknownKeysRefused


def data_envelope(serializer, name: str, warnings: bool = False):
    """`{"data": <serializer>, "message"?, "warnings"?}` as a named component."""
    fields = {
        "data": serializer,
        "message": serializers.CharField(required=False, help_text="Present on writes."),
    }
    if warnings:
        fields["warnings"] = serializers.ListField(
            child=serializers.DictField(),
            required=False,
            help_text="Warning diagnostics about the saved definition: `{code, severity, message, path, line, column}`.",
        )
    return inline_serializer(name=name, fields=fields)


# Any JSON value but `null`: a document to check, where a wrong shape is a diagnostic.
ANY_BUT_NULL = {
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {}},
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
    ]
}

SuccessEnvelope = inline_serializer(
    name="SuccessResponse",
    fields={"success": serializers.BooleanField(), "message": serializers.CharField()},
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = error("Invalid input: field errors in `details` (code VALIDATION_ERROR or BAD_REQUEST).")
UNAUTHORIZED = error("Missing, expired, malformed or forged access token.")
FORBIDDEN = error("The user lacks the model permission this write needs.")
NOT_FOUND = error("No such resource.")
CONFLICT = error("A resource with this ref already exists.")
PAYLOAD_TOO_LARGE = error("The request body exceeds ATTUNE_MAX_REQUEST_BYTES.")
UNSUPPORTED_MEDIA_TYPE = error("The body is not `application/json`.")
PRECONDITION_FAILED = error(
    "`If-Match` does not list the current ETag: someone else changed the row since you read it "
    "(code PRECONDITION_FAILED). Nothing was written; fetch it again."
)
TOO_MANY_REQUESTS = error("Too many attempts; retry after the `Retry-After` seconds.")

READ_ERRORS = {400: BAD_REQUEST, 401: UNAUTHORIZED}
WRITE_ERRORS = {
    400: BAD_REQUEST,
    401: UNAUTHORIZED,
    403: FORBIDDEN,
    413: PAYLOAD_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
}


# Optimistic concurrency: every detail, create and update answer carries the row's ETag,
# and writes may send it back in If-Match.
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Write only if the row is still at this version: an `ETag` from an earlier answer "
        '(e.g. `"12-3"`), several separated by commas, or `*` for any existing row. '
        "Otherwise 412. Without the header the write is unconditional."
    ),
)


def etag_header(status: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=[status],
        description=(
            'The row\'s version, `"<id>-<revision>"`: a strong tag that changes with every write '
            "of the row's own fields. Send it back in `If-Match`."
        ),
    )


ETAG_200, ETAG_201 = etag_header(200), etag_header(201)


def patch_ops(value: dict) -> dict:
    """A field Attune's clients may also send as a patch operation: the plain value,
    `{"op": "set", "value": <value>}` or `{"op": "clear"}`."""
    return {
        "oneOf": [
            value,
            {
                "type": "object",
                "properties": {"op": {"type": "string", "enum": ["set"]}, "value": value},
                "required": ["op", "value"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"op": {"type": "string", "enum": ["clear"]}},
                "required": ["op"],
                "additionalProperties": False,
            },
        ]
    }


def strip_trailing_slashes(result, generator, request, public):
    """Paths accept an optional trailing slash; document them without it."""
    result["paths"] = {(re.sub(r"/+$", "", path) or "/"): item for path, item in result["paths"].items()}
    return result


def tags_need_a_tag(result, generator, request, public):
    """The `tags` list filters refuse `?tags=` and empty items (attune.filters.TagsFilter)."""
    for item in result["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                named_tags = (parameter["name"], parameter["in"]) == ("tags", "query")
                if named_tags and parameter["schema"].get("type") == "array":
                    parameter["schema"]["minItems"] = 1
                    # Not blank once str.strip() has trimmed it, no comma.
                    parameter["schema"]["items"]["pattern"] = f"^[^,]*[^{SPACE_CLASS},][^,]*$"
    return result


# --- request rules -----------------------------------------------------------------------
# The server's field rules are functions in attune.validators (their messages are the API's).
# Each one JSON Schema can express is stated here, built from the same regular expressions,
# and attached wherever a request field carries that validator.


def _body(regex: re.Pattern) -> str:
    """A validator's `^...$` regular expression without its anchors, to combine with others."""
    return regex.pattern.removeprefix("^").removesuffix("$")


PACK_REF_SCHEMA = {
    "pattern": validators.PACK_REF_RE.pattern,
    "not": {"enum": sorted(validators.RESERVED_PACK_REFS)},
}
FIELD_RULES = {
    validators.validate_pack_ref: PACK_REF_SCHEMA,
    validators.validate_workflow_ref: {
        "pattern": f"^{_body(validators.PACK_REF_RE)}\\.{_body(validators.WORKFLOW_NAME_RE)}$"
    },
    validators.validate_semver: {"pattern": validators.SEMVER_RE.pattern},
    validators.validate_pack_ref_list: {
        "items": {"type": "string", **PACK_REF_SCHEMA},
        "uniqueItems": True,
    },
    validators.validate_string_list: {"items": {"type": "string", "pattern": NOT_BLANK_PATTERN}},
    validators.validate_labels: {"additionalProperties": {"type": "string"}},
}


def _is_partial_put(auto_schema) -> bool:
    # PUT is a partial update, exactly like PATCH (attune.viewsets.EnvelopeModelViewSet).
    from attune.viewsets import EnvelopeModelViewSet

    return auto_schema.method == "PUT" and isinstance(auto_schema.view, EnvelopeModelViewSet)


def _hashable(value) -> bool:
    # Django's validator classes define __eq__ without __hash__.
    return getattr(type(value), "__hash__", None) is not None


def state_field_rules(field, schema: dict) -> None:
    """Add to a request field's schema the rules its validators enforce."""
    for validator in field.validators:
        rule = FIELD_RULES.get(validator) if callable(validator) and _hashable(validator) else None
        if rule:
            schema.update(rule)
    trimmed = isinstance(field, serializers.CharField) and field.trim_whitespace
    if trimmed and not field.allow_blank and schema.get("type") == "string" and "pattern" not in schema:
        # Whitespace is trimmed before the blank check, so "  " is as empty as "".
        schema["pattern"] = NOT_BLANK_PATTERN


def _nullable(schema: dict) -> None:
    schema["nullable"] = True
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"].append(None)


class RequestRulesExtension(OpenApiSerializerExtension):
    """Request bodies state what the server enforces, so clients and fuzzers can rely on it.

    Every request serializer gets its fields' rules (patterns, reserved refs, list items).
    A StrictWriteSerializer also refuses unknown keys (`additionalProperties: false`) and
    reads `null` as "not given", so its optional fields are nullable; on PUT, which is a
    partial update, every field is optional.
    """

    target_class = "rest_framework.serializers.Serializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        serializer = force_instance(self.target)
        properties = schema.get("properties", {})
        for name, field in serializer.fields.items():
            if name in properties and "$ref" not in properties[name]:
                state_field_rules(field, properties[name])
        if isinstance(serializer, UnknownKeysRefused):
            schema["additionalProperties"] = False
        if isinstance(serializer, StrictWriteSerializer):
            if _is_partial_put(auto_schema):
                schema.pop("required", None)
            required = set(schema.get("required", ()))
            for name, prop in properties.items():
                if name not in required and "$ref" not in prop:
                    _nullable(prop)
        return schema
