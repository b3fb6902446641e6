"""Shared pieces of the wire contract: envelopes, pagination, errors.

Success bodies are `{"data": ..., "message"?}`, lists `{"items": [...], "pagination": {...}}`,
deletes `{"success": true, "message": ...}` and every error
`{"error": <human message>, "code": <CODE>, "details": {...}}`.
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

logger = logging.getLogger("attune.api")

ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource already exists."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    """`If-Match` names no current version of the row (someone else wrote it first)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource was changed by someone else: fetch it again for its current ETag."
    default_code = "precondition_failed"


class DefinitionInvalid(exceptions.APIException):
    """A workflow definition with errors: 400 with every diagnostic in `details`.

    An APIException rather than a ValidationError, so DRF's serializer machinery passes it
    through whole instead of flattening it; `other_errors` are the other fields' errors.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_definition"

    def __init__(self, diagnostics, other_errors=None):
        self.diagnostics = diagnostics
        self.other_errors = other_errors or {}
        super().__init__("Invalid workflow definition")


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def error_body(status_code: int, message: str, details: dict | None = None, code=None) -> dict:
    return {
        "error": message,
        "code": code
        or ERROR_CODES.get(status_code, "BAD_REQUEST" if status_code < 500 else "INTERNAL_SERVER_ERROR"),
        "details": details or {},
    }


def data_response(data, message: str | None = None, status_code: int = 200, warnings=None) -> Response:
    body = {"data": data}
    if message:
        body["message"] = message
    if warnings:
        body["warnings"] = warnings
    return Response(body, status=status_code)


def success_response(message: str) -> Response:
    return Response({"success": True, "message": message})


# --- errors ---------------------------------------------------------------------------


def _as_messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _as_messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _as_messages(value)]
    return [str(detail)]


def _field_errors(detail) -> dict:
    """DRF's nested ValidationError detail as `{field: [messages]}` (nested keys dotted)."""
    if isinstance(detail, list):
        return {"non_field_errors": _as_messages(detail)}
    errors = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            for sub, messages in _field_errors(value).items():
                errors[f"{field}.{sub}"] = messages
        else:
            errors[field] = _as_messages(value)
    return errors


def _validation_message(errors: dict) -> str:
    parts = [
        messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
        for field, messages in errors.items()
    ]
    more = f" (and {len(parts) - 3} more)" if len(parts) > 3 else ""
    return "Validation failed: " + "; ".join(parts[:3]) + more


def _token_message(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        detail = detail.get("detail", "Invalid or expired token")
    return str(detail)


def envelope_exception_handler(exc, context):
    """Turn every exception raised in a DRF view into the error envelope."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TokenError):
        exc = InvalidToken(str(exc))

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        return Response(
            error_body(500, "Internal server error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))

    if isinstance(exc, DefinitionInvalid):
        details = _field_errors(exc.other_errors) if exc.other_errors else {}
        details["definition"] = [str(d) for d in exc.diagnostics if d.severity == "error"]
        body = error_body(400, _validation_message(details), details, code="VALIDATION_ERROR")
        body["details"]["diagnostics"] = [d.as_dict() for d in exc.diagnostics]
    elif isinstance(exc, exceptions.ValidationError):
        details = _field_errors(exc.detail)
        body = error_body(400, _validation_message(details), details, code="VALIDATION_ERROR")
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        body = error_body(exc.status_code, _token_message(exc))
    else:
        body = error_body(exc.status_code, " ".join(_as_messages(exc.detail)))
    return Response(body, status=exc.status_code, headers=headers)


class ErrorSerializer(serializers.Serializer):
    """The error envelope (documentation only)."""

    error = serializers.CharField(help_text="Human-readable message.")
    code = serializers.ChoiceField(
        choices=sorted({*ERROR_CODES.values(), "VALIDATION_ERROR"}),
        help_text="Machine-readable error code.",
    )
    details = serializers.DictField(
        help_text=(
            "Field errors as `{field: [messages]}`; empty when there are none. A rejected workflow "
            "definition adds `diagnostics`: a list of `{code, severity, message, path, line, column}`."
        ),
        child=serializers.ListField(child=serializers.JSONField()),
    )


# --- content negotiation ---------------------------------------------------------------


class JsonFallbackNegotiation(DefaultContentNegotiation):
    """Answer JSON even when the Accept header asks for something else (never a 406)."""

    # Accept values every renderer list here answers with its first renderer unchanged (an
    # Accept with parameters, such as `; indent=4`, goes through DRF for them to apply).
    PLAIN_ACCEPTS = frozenset({"", "*/*", "application/json"})

    def select_renderer(self, request, renderers, format_suffix=None):
        # One renderer and nothing to choose: DRF's parsing of Accept is a tenth of a list
        # request's own time (bench/list_workflows.py). `?format=` falls back to it anyway.
        if len(renderers) == 1 and request.META.get("HTTP_ACCEPT", "").strip() in self.PLAIN_ACCEPTS:
            return renderers[0], renderers[0].media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except exceptions.NotAcceptable:
            renderer = renderers[0]
            return renderer, renderer.media_type


# --- pagination -------------------------------------------------------------------------


PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100


def _int_param(params, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"'{raw}' is not a whole number."]}) from None
    if value < 1 or (maximum is not None and value > maximum):
        bound = f"between 1 and {maximum}" if maximum else "at least 1"
        raise exceptions.ValidationError({name: [f"Must be {bound}, not {value}."]})
    return value


def _bool_param(params, name: str, default: bool) -> bool:
    raw = params.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({name: [f"Must be true or false, not '{raw}'."]})
    return raw == "true"


# SQLite and PostgreSQL take a 64-bit OFFSET; a page number past it would be a database error.
OFFSET_MAX = 2**62


class EnvelopePagination(BasePagination):
    """Page-number pagination that rejects bad parameters instead of guessing.

    `include_total` (Attune's parameter, strictly `true` or `false`) says whether to count
    the rows: the count is one query, and on a large filtered table the slow one. Without it
    `total_items` and `total_pages` are left out and `has_next` comes from reading one row
    past the page. Pack, workflow and action lists count by default, as Attune's do;
    subclasses change `include_total_default`.
    """

    include_total_default = True

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        self.page = _int_param(params, "page", 1)
        self.page_size = self.page_size_param(params)
        self.include_total = _bool_param(params, "include_total", self.include_total_default)
        self.total_items = None
        offset = (self.page - 1) * self.page_size
        if self.include_total:
            self.total_items = queryset.count()
            if offset >= self.total_items:
                return queryset.none()
            # A lazy slice: the caller picks the columns after the count ran on the plain query.
            return queryset[offset : offset + self.page_size]
        if offset > OFFSET_MAX:  # past any table's end, and past what the databases' OFFSET takes
            return queryset.none()
        # One row more than the page says whether there is a next page, without a count.
        return queryset[offset : offset + self.page_size + 1]

    def page_size_param(self, params) -> int:
        return _int_param(params, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)

    def get_paginated_response(self, data):
        pagination = {"page": self.page, "page_size": self.page_size}
        if self.include_total:
            total_pages = math.ceil(self.total_items / self.page_size)
            pagination.update(
                total_items=self.total_items, total_pages=total_pages, has_next=self.page < total_pages
            )
        else:
            pagination["has_next"] = len(data) > self.page_size
            data = data[: self.page_size]
        pagination["has_previous"] = self.page > 1
        return Response({"items": data, "pagination": pagination})

    def get_paginated_response_schema(self, schema):
        integer = {"type": "integer"}
        boolean = {"type": "boolean"}
        when = (
            "Left out with `include_total=false`."
            if self.include_total_default
            else ("Present only with `include_total=true`.")
        )
        return {
            "type": "object",
            "required": ["items", "pagination"],
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "required": ["page", "page_size", "has_next", "has_previous"],
                    "properties": {
                        "page": integer,
                        "page_size": integer,
                        "total_items": {**integer, "description": f"Rows matching the filters. {when}"},
                        "total_pages": {**integer, "description": f"`ceil(total_items / page_size)`. {when}"},
                        "has_next": boolean,
                        "has_previous": boolean,
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        default = "true" if self.include_total_default else "false"
        return [
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": "1-based page number (default 1). A page past the end is empty.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": "Items per page, 1 to 100 (default 50).",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": PAGE_SIZE_MAX,
                    "default": PAGE_SIZE_DEFAULT,
                },
            },
            {
                "name": "include_total",
                "required": False,
                "in": "query",
                "description": (
                    f"`true` adds `total_items` and `total_pages` (one `COUNT` query); `false` "
                    f"leaves them out and skips the count. Default `{default}`; any other value is a 400."
                ),
                "schema": {"type": "string", "enum": ["true", "false"], "default": default},
            },
        ]


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the filters.

    Building the filterset and its form costs about a millisecond per request; a plain list
    (the most common call) does not need it. Validation is unchanged whenever a filter
    parameter is present: invalid values are still a 400.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class and not request.query_params.keys() & filterset_class.base_filters.keys():
            return queryset
        return super().filter_queryset(request, queryset, view)
