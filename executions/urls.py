from attune.viewsets import OptionalSlashRouter
from executions.inquiry_views import InquiryViewSet
from executions.views import ExecutionViewSet

router = OptionalSlashRouter()
router.register("executions", ExecutionViewSet, basename="execution")
router.register("inquiries", InquiryViewSet, basename="inquiry")

urlpatterns = router.urls
