"""Small site-wide pages: the favicon browsers ask for at /favicon.ico."""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = settings.BASE_DIR / "static" / "attune" / "favicon.svg"


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    # The same file the admin pages link from static; served here for browsers that ask the root.
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
