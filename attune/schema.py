"""OpenAPI pieces shared by every endpoint: envelopes and error responses."""

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from attune.api import ErrorSerializer


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


def strip_trailing_slashes(result, generator, request, public):
    """Paths accept an optional trailing slash; document them without it."""
    result["paths"] = {(re.sub(r"/+$", "", path) or "/"): item for path, item in result["paths"].items()}
    return result
