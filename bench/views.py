"""The floors: plain Django views doing the same database work as the API, without DRF or auth.

Each one reads the same rows, in the same order, with the same queries as the endpoint it
stands for, and writes the same JSON bytes (DRF's compact separators and datetime format).
What it leaves out is exactly what the benchmark charges to Attune: JWT authentication
(the user query), DRF's request/response machinery, parameter validation and the
serializers. tests/test_bench_floors.py holds the bodies and the SQL equal to the API's.
"""

import json
import math

from django.db.models import F
from django.http import Http404, JsonResponse

from workflows.models import Workflow

PAGE_SIZE = 50
# The WorkflowSummary fields as the list reads them (`pack_ref` comes from the join).
LIST_FIELDS = ("id", "ref", "label", "description", "version", "tags", "enabled", "created", "updated")
# WorkflowSerializer's fields, in its order: the summary, then `pack` and the JSON documents.
DETAIL_FIELDS = (
    "id", "ref", "pack_ref", "label", "description", "version", "tags", "enabled", "created", "updated",
    "pack", "param_schema", "out_schema", "definition",
)  # fmt: skip


class CompactEncoder(json.JSONEncoder):
    """Datetimes as DRF writes them (full precision, `Z` for UTC), so the bytes match."""

    def default(self, o):
        if hasattr(o, "isoformat"):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def respond(payload, **kwargs) -> JsonResponse:
    params = {"separators": (",", ":"), "ensure_ascii": False}
    return JsonResponse(payload, encoder=CompactEncoder, json_dumps_params=params, **kwargs)


def floor_list(request):
    """`GET /api/v1/workflows` page 1: the count (unless `include_total=false`) and the page."""
    page_size = int(request.GET.get("page_size", PAGE_SIZE))
    counted = request.GET.get("include_total") != "false"
    queryset = Workflow.objects.all()  # the model's ordering: label, ref
    pagination = {"page": 1, "page_size": page_size}
    if counted:
        total = queryset.count()
        rows = list(queryset[:page_size].values(*LIST_FIELDS, pack_ref=F("pack__ref")))
        pages = math.ceil(total / page_size)
        pagination.update(total_items=total, total_pages=pages, has_next=pages > 1)
    else:
        # One row past the page says whether there is a next one, as the API does.
        rows = list(queryset[: page_size + 1].values(*LIST_FIELDS, pack_ref=F("pack__ref")))
        pagination["has_next"] = len(rows) > page_size
        rows = rows[:page_size]
    pagination["has_previous"] = False
    return respond({"items": rows, "pagination": pagination})


def floor_detail(request, ref):
    """`GET /api/v1/workflows/{ref}`: the shown fields of one row, and its ETag."""
    columns = [name for name in DETAIL_FIELDS if name != "pack_ref"]
    try:
        row = Workflow.objects.values(*columns, "revision", pack_ref=F("pack__ref")).get(ref=ref)
    except Workflow.DoesNotExist:
        raise Http404(ref) from None
    data = {name: row[name] for name in DETAIL_FIELDS}
    response = respond({"data": data})
    response["ETag"] = f'"{row["id"]}-{row["revision"]}"'
    return response
