from django.urls import re_path

from attune.viewsets import OptionalSlashRouter
from executions.inquiry_views import InquiryViewSet
from executions.stream import ExecutionStreamView
from executions.views import ExecutionViewSet

router = OptionalSlashRouter()
router.register("executions", ExecutionViewSet, basename="execution")
router.register("inquiries", InquiryViewSet, basename="inquiry")

urlpatterns = [re_path(r"^executions/stream/?$", ExecutionStreamView.as_view(), name="execution-stream")]
urlpatterns += router.urls
