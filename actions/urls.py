from actions.views import ActionViewSet
from attune.viewsets import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("actions", ActionViewSet, basename="action")

urlpatterns = router.urls
