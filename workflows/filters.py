from attune.filters import PackContentsFilter
from workflows.models import Workflow


class WorkflowFilter(PackContentsFilter):
    class Meta:
        model = Workflow
        fields = ["tags", "enabled", "search", "pack_ref"]
