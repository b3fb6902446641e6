from django.urls import re_path

from attune.viewsets import OptionalSlashRouter
from packs.views import PackViewSet
from workflows.views import PackWorkflowListView

router = OptionalSlashRouter()
router.register("packs", PackViewSet, basename="pack")

urlpatterns = [
    re_path(
        r"^packs/(?P<pack_ref>[^/]+)/workflows/?$",
        PackWorkflowListView.as_view(),
        name="pack-workflows",
    ),
    *router.urls,
]
