"""Small site-wide pages: the favicon browsers ask for at /favicon.ico, and the workflow
language reference shown inside the admin (the editor links it)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

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
