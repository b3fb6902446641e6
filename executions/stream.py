"""Live progress of an execution tree as Server-Sent Events, read from its ExecutionEvent rows.

The event log is append-only and written in the transaction of each change, so polling it by
id (every POLL_SECONDS) never shows a rolled-back change and never skips a committed one; a
client that reconnects with `Last-Event-ID` resumes right after the last event it saw.
"""

import json
import time

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.views import APIView

from attune import schema
from executions.filters import ID_MAX
from executions.models import TERMINAL, Execution, ExecutionEvent

POLL_SECONDS = 0.5
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": ID_MAX}  # what _int accepts
BATCH = 500


def _int(raw, name: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({name: ["Must be an integer."]}) from None
    if not 0 <= value <= ID_MAX:
        raise exceptions.ValidationError({name: [f"Must be between 0 and {ID_MAX}."]})
    return value


def events(root_id: int, after: int, clock=time.monotonic, sleep=time.sleep):
    """The SSE text of the tree's events after id `after`, until the root is finished and
    every event was sent, or ATTUNE_SSE_MAX_SECONDS passed."""
    started = last_write = clock()
    while True:
        # Read the status first: an event committed with the final status is then read below.
        finished = Execution.objects.filter(pk=root_id).values_list("status", flat=True).first() in TERMINAL
        rows = list(
            ExecutionEvent.objects.filter(root_id=root_id, id__gt=after)
            .order_by("id")
            .values("id", "execution_id", "kind", "payload", "created")[:BATCH]
        )
        for row in rows:
            after = row["id"]
            data = {**row, "created": row["created"].isoformat()}
            yield f"id: {row['id']}\nevent: execution\ndata: {json.dumps(data)}\n\n"
        if rows:
            last_write = clock()
            if len(rows) == BATCH:
                continue
        if finished and not rows:
            return
        now = clock()
        if now - started >= settings.ATTUNE_SSE_MAX_SECONDS:
            return
        if now - last_write >= settings.ATTUNE_SSE_KEEPALIVE_SECONDS:
            last_write = now
            yield ": keep-alive\n\n"
        sleep(POLL_SECONDS)


STREAM_SCHEMA = extend_schema(
    tags=["executions"],
    operation_id="stream_execution_events",
    summary="Live progress of an execution (Server-Sent Events)",
    description=(
        "Each event of the execution tree as `id: <event id>`, `event: execution`, `data: <JSON>`. "
        "Resumes after `Last-Event-ID` (header) or `last_event_id`; `: keep-alive` every "
        "ATTUNE_SSE_KEEPALIVE_SECONDS; ends when the root execution finished and every event was "
        "sent, or after ATTUNE_SSE_MAX_SECONDS."
    ),
    parameters=[
        OpenApiParameter("execution_id", ID_SCHEMA, required=True, description="The root execution."),
        OpenApiParameter("last_event_id", ID_SCHEMA, description="Resume after this event id."),
    ],
    responses={
        (200, "text/event-stream"): OpenApiResponse(OpenApiTypes.STR, description="The event stream."),
        400: schema.BAD_REQUEST,
        404: schema.NOT_FOUND,
        401: schema.UNAUTHORIZED,
    },
)


class ExecutionStreamView(APIView):
    @STREAM_SCHEMA
    def get(self, request):
        root_id = _int(request.query_params.get("execution_id"), "execution_id")
        raw_last = request.headers.get("Last-Event-ID") or request.query_params.get("last_event_id") or 0
        after = _int(raw_last, "last_event_id")
        if not Execution.objects.filter(pk=root_id).exists():
            raise exceptions.NotFound(f"Execution with ID {root_id} not found")
        response = StreamingHttpResponse(events(root_id, after), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
