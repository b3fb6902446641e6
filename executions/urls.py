from attune.viewsets import OptionalSlashRouter
from executions.views import ExecutionViewSet

router = OptionalSlashRouter()
router.register("executions", ExecutionViewSet, basename="execution")

urlpatterns = router.urls
