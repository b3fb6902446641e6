"""The admin login, throttled exactly like `POST /auth/login`.

The same DRF throttle, scope and counters (`ATTUNE_LOGIN_RATE` per client address, in the
shared cache): an attacker gains nothing by alternating between the two login forms.
"""

from types import SimpleNamespace

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from rest_framework.throttling import ScopedRateThrottle

from attune.auth.views import LoginView

LOCKED_OUT = "Too many login attempts from your address. Try again in %(seconds)s seconds."


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """Checks the throttle before the password, so a correct one is refused while locked."""

    def clean(self):
        throttle = ScopedRateThrottle()
        if not throttle.allow_request(self.request, SimpleNamespace(throttle_scope=LoginView.throttle_scope)):
            raise forms.ValidationError(
                LOCKED_OUT, code="throttled", params={"seconds": max(1, round(throttle.wait() or 1))}
            )
        return super().clean()


admin.site.login_form = ThrottledAdminAuthenticationForm
# "View site" in the admin header: the API documentation (Swagger UI), not a page that does not exist.
admin.site.site_url = "/docs"
