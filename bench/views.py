"""The floor: the cheapest plain-Django way to answer what the workflow list answers.

Same rows as the first page of `GET /api/v1/workflows?page_size=50` (the WorkflowSummary
fields, ordered by label, ref), read with `.values()` and written with JsonResponse. It has
no authentication, no count query and no pagination envelope, on purpose: it is what the
list would cost with no framework work at all, so the API's figure is read against it.
"""

from django.db.models import F
from django.http import JsonResponse

from workflows.models import Workflow

PAGE_SIZE = 50
FIELDS = ("id", "ref", "label", "description", "version", "tags", "enabled", "created", "updated")


def floor(request):
    rows = Workflow.objects.order_by("label", "ref").values(*FIELDS, pack_ref=F("pack__ref"))[:PAGE_SIZE]
    return JsonResponse({"items": list(rows)})
