"""Small site-wide pages: the favicon browsers ask for at /favicon.ico, the workflow language
reference shown inside the admin (the editor links it), and the API docs pages kept offline."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

FAVICON = settings.BASE_DIR / "static" / "attune" / "favicon.svg"
# A fixed file of the project: no part of the request names what is read.
LANGUAGE_REFERENCE = settings.BASE_DIR / "docs" / "workflow-language.md"


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    # The same file the admin pages link from static; served here for browsers that ask the root.
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")


@require_safe
def language_reference(request):
    """docs/workflow-language.md as text in the admin's look (staff only, see attune/urls.py)."""
    context = {
        **admin.site.each_context(request),
        "title": "Workflow language reference",
        "reference": LANGUAGE_REFERENCE.read_text(encoding="utf-8"),
    }
    return TemplateResponse(request, "admin/language_reference.html", context)


# The API docs load only this server's files (scripts from drf-spectacular-sidecar, Redoc's web
# fonts unlinked in templates/drf_spectacular/redoc.html). The policy also stops what the bundles
# fetch by themselves: Redoc's "API docs by Redocly" logo from cdn.redoc.ly, Swagger UI's online
# validator badge. Inline scripts and styles are the pages' own; blob: is Redoc's search worker.
OFFLINE_DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "worker-src 'self' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class OfflineDocs:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = OFFLINE_DOCS_POLICY
        return response


class OfflineRedocView(OfflineDocs, SpectacularRedocView):
    """Redoc at /redoc, with nothing fetched from another host."""


class OfflineSwaggerView(OfflineDocs, SpectacularSwaggerView):
    """Swagger UI at /docs (the admin's "View site"), with nothing fetched from another host."""
