"""Keep the error envelope for everything under the API prefixes.

DRF views already answer errors with the envelope (attune.api). This middleware covers what
happens outside them: a URL the resolver does not know, Django's own 4xx/5xx pages, and
request bodies over the size limit, which are refused before anything reads them.

A NUL character in the path or the query string (which PostgreSQL cannot compare or store,
see attune.storable) is refused here for every URL, API and admin alike: 404 for a path
(no object can have such a name), 400 for a query parameter.
"""

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse

from attune.api import error_body
from attune.storable import shown, text_problem

API_PREFIXES = ("/api/", "/auth/")

_MESSAGES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    500: "Internal server error",
}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/api", "/auth")


def body_limit(path: str) -> int | None:
    """Pack archives may be larger than JSON bodies; everything else gets the JSON limit."""
    if path.rstrip("/").endswith("/packs/upload"):
        return settings.ATTUNE_UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = _refuse_unstorable(request)
        if refused is not None:
            return refused
        if not is_api_path(request.path):
            return self.get_response(request)
        limit = body_limit(request.path)
        if limit is not None and _content_length(request) > limit:
            return JsonResponse(
                error_body(413, f"Request body exceeds the limit of {limit} bytes"), status=413
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            return _envelope_for(request, response)
        return response


def _refuse_unstorable(request):
    if "\x00" in request.path:
        if not is_api_path(request.path):
            raise Http404("The path contains a NUL character")
        return JsonResponse(
            error_body(404, f"No API endpoint or object at {shown(request.path)}"), status=404
        )
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query and "\x00" not in query:
        return None
    errors = {
        shown(name): [f"The query parameter {text_problem(name) or text_problem(value)}."]
        for name, values in request.GET.lists()
        for value in values
        if "\x00" in name or "\x00" in value
    }
    if not errors:
        return None
    if not is_api_path(request.path):
        raise BadRequest("A query parameter contains a NUL character")
    message = "Validation failed: " + "; ".join(f"{name}: {m[0]}" for name, m in errors.items())
    return JsonResponse(error_body(400, message, errors, code="VALIDATION_ERROR"), status=400)


def _is_json(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _envelope_for(request, response):
    status = response.status_code
    message = _MESSAGES.get(status, "Request failed")
    if status == 404:
        message = f"No API endpoint at {request.path}"
    envelope = JsonResponse(error_body(status, message), status=status)
    if status == 405 and response.has_header("Allow"):
        envelope["Allow"] = response["Allow"]
    return envelope
