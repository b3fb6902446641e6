"""Keep the error envelope for everything under the API prefixes.

DRF views already answer errors with the envelope (attune.api). This middleware covers what
happens outside them: a URL the resolver does not know, Django's own 4xx/5xx pages, and
request bodies over the size limit, which are refused before anything reads them.
"""

from django.conf import settings
from django.http import JsonResponse

from attune.api import error_body

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
