from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from attune.health import HealthView
from attune.site import OfflineRedocView, OfflineSwaggerView, favicon, language_reference

api_v1 = [
    path("", include("packs.urls")),
    path("", include("workflows.urls")),
    path("", include("actions.urls")),
    path("", include("executions.urls")),
]

urlpatterns = [
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    path("auth/", include("attune.auth.urls")),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", OfflineSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^redoc/?$", OfflineRedocView.as_view(url_name="schema"), name="redoc"),
    # Before the admin's own URLs; admin_view: staff only, as every admin page.
    path(
        "admin/reference/workflow-language/",
        admin.site.admin_view(language_reference),
        name="language-reference",
    ),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
]
