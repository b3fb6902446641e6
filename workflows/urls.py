from attune.viewsets import OptionalSlashRouter
from workflows.views import WorkflowViewSet

router = OptionalSlashRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")

urlpatterns = router.urls
