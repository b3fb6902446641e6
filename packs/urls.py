from django.urls import re_path

from actions.views import PackActionListView
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
    re_path(r"^packs/(?P<pack_ref>[^/]+)/actions/?$", PackActionListView.as_view(), name="pack-actions"),
    *router.urls,
]
