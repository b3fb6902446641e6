from django.urls import re_path

from attune.viewsets import OptionalSlashRouter
from workflows.language_views import ValidateDefinitionView
from workflows.views import WorkflowViewSet

router = OptionalSlashRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")

urlpatterns = [
    # Before the router, whose detail route would read "validate" as a workflow ref.
    re_path(r"^workflows/validate/?$", ValidateDefinitionView.as_view(), name="workflow-validate"),
    *router.urls,
]
