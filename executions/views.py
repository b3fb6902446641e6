from django.db import transaction
from django.db.models import CharField, Count, IntegerField, Value
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from attune import schema
from attune.api import Conflict, data_response
from attune.viewsets import ActionModelPermissions, ValuesListMixin
from executions import lifecycle, orchestration, service
from executions.filters import ID_MAX, ExecutionFilter
from executions.models import Execution, Status
from executions.pagination import ExecutionPagination
from executions.redaction import shown_result
from executions.serializers import (
    NOT_APPLICABLE,
    SUMMARY_FIELDS,
    ExecuteRequestSerializer,
    ExecutionSerializer,
    ExecutionSummarySerializer,
)
from executions.task_state import TASKS, tasks_of
from executions.transport import dispatch_on_commit

ExecutionEnvelope = schema.data_envelope(ExecutionSerializer(), "ExecutionEnvelope")
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Execution id.")
STREAM = OpenApiParameter(
    "stream", str, OpenApiParameter.PATH, enum=["stdout", "stderr"], description="Which output."
)
STATS_COUNTS = ("total", "completed", "failed", "running", "pending", "cancelled", "timeout", "abandoned")
# Attune's stats fold some statuses together.
STATS_GROUP = {
    Status.REQUESTED: "pending",
    Status.SCHEDULING: "pending",
    Status.SCHEDULED: "pending",
    Status.CANCELING: "cancelled",
}
STATS = inline_serializer(
    name="ExecutionStats",
    fields={
        **{name: serializers.IntegerField() for name in STATS_COUNTS},
        "by_status": serializers.DictField(
            child=serializers.IntegerField(), help_text="Extension: every status."
        ),
        "scheduled_by_queue": serializers.DictField(
            child=serializers.IntegerField(), help_text="Extension: scheduled runs waiting per queue."
        ),
    },
)
RESCHEDULED = inline_serializer(
    name="ExecutionRescheduleResponse",
    fields={
        "message": serializers.CharField(),
        "last_attempt_at": serializers.DateTimeField(),
        "execution": ExecutionSerializer(),
    },
)


class ActionRefused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"


def api_error(refused: service.ExecutionRefused) -> exceptions.APIException:
    """The service's refusal as the API's error envelope."""
    if isinstance(refused, service.ExecutionInvalid):
        return exceptions.ValidationError(refused.errors)
    if isinstance(refused, service.ActionNotFound):
        return exceptions.NotFound(refused.message)
    if isinstance(refused, service.NotPermitted):
        return exceptions.PermissionDenied(refused.message)
    return ActionRefused(refused.message)


@extend_schema_view(
    list=extend_schema(
        operation_id="list_executions",
        summary="List executions",
        description="Newest first. Without `include_total=true` the pagination has no totals.",
        responses={200: ExecutionSummarySerializer(many=True), **schema.READ_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="get_execution",
        summary="Get an execution",
        parameters=[ID],
        responses={200: ExecutionEnvelope, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
)
@extend_schema(tags=["executions"])
class ExecutionViewSet(ValuesListMixin, viewsets.GenericViewSet):
    """Runs of actions: start one, watch it, cancel it (Attune's execution API)."""

    permission_classes = [IsAuthenticated, ActionModelPermissions]
    action_permissions = {
        "list": [],
        "retrieve": [],
        "stats": [],
        "tasks": [],
        "logs": [],
        "execute": [service.EXECUTE_PERMISSION],
        "cancel": ["executions.change_execution"],
        "reschedule": ["executions.change_execution"],
    }
    queryset = Execution.objects.all()
    serializer_class = ExecutionSerializer
    filterset_class = ExecutionFilter
    pagination_class = ExecutionPagination
    lookup_value_regex = r"[0-9]+"
    list_values = tuple(name for name in SUMMARY_FIELDS if name not in NOT_APPLICABLE)
    list_annotations = {
        "enforcement": Value(None, output_field=IntegerField()),
        "rule_ref": Value(None, output_field=CharField()),
        "trigger_ref": Value(None, output_field=CharField()),
    }

    def get_serializer_class(self):
        return ExecutionSummarySerializer if self.action == "list" else ExecutionSerializer

    def get_object(self):
        pk = int(self.kwargs["pk"])
        execution = Execution.objects.filter(pk=pk).first() if pk <= ID_MAX else None
        if execution is None:
            raise exceptions.NotFound(f"Execution with ID {pk} not found")
        return execution

    def represent(self, execution):
        return ExecutionSerializer(execution, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        return data_response(self.represent(self.get_object()))

    @extend_schema(
        operation_id="create_execution",
        summary="Run an action or a workflow",
        description=(
            "Validates the parameters against the action's schema (defaults applied), stores "
            "them with secret values redacted, and schedules the run. `core.local` needs the "
            "permission `executions.run_local_command`. A workflow's ref (or its companion "
            "action's) starts a workflow execution: parameters checked against its "
            "`param_schema`, its task runs listed with `?parent=<id>` and their state at "
            "`/executions/{id}/tasks`; `timeout_seconds`, `env_vars` and `max_retries` apply "
            "to action runs only (400)."
        ),
        request=ExecuteRequestSerializer,
        responses={
            201: ExecutionEnvelope,
            400: schema.error(
                "Invalid parameters, env_vars or options (per field in `details`), or the action "
                "or workflow is disabled. Nothing was created."
            ),
            403: schema.error(
                "Lacks `executions.add_execution`, or `executions.run_local_command` for core.local."
            ),
            404: schema.error("No action or workflow with this ref."),
            **{code: response for code, response in schema.WRITE_ERRORS.items() if code not in (400, 403)},
        },
    )
    @action(detail=False, methods=["post"])
    def execute(self, request):
        body = ExecuteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            execution = service.start_by_ref(
                data["action_ref"],
                data.get("parameters"),
                executor=request.user,
                timeout_seconds=data.get("timeout_seconds"),
                env_vars=data.get("env_vars"),
                max_retries=data.get("max_retries") or 0,
            )
        except service.ExecutionRefused as refused:
            raise api_error(refused) from None
        execution.refresh_from_db()  # an inline transport may have run it already
        return data_response(self.represent(execution), status_code=201)

    @extend_schema(
        operation_id="cancel_execution",
        summary="Cancel an execution",
        description=(
            "A workflow execution stops starting tasks and becomes `canceling`, then `cancelled` "
            "once its running runs ended (its `cancellation_policy`: `allow_finish` lets them "
            "finish, `cancel_running` stops them; nested workflows likewise). Cancelling a task "
            "run fails its task, whose transitions then run. "
            "A run no worker has started is cancelled at once; a running one becomes `canceling` "
            "until its worker stops it. Cancelling a `canceling` run answers its current state."
        ),
        parameters=[ID],
        request=None,
        responses={
            200: ExecutionEnvelope,
            404: schema.NOT_FOUND,
            409: schema.error("The execution already finished."),
            401: schema.UNAUTHORIZED,
            403: schema.error("Lacks `executions.change_execution`."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        try:
            execution = orchestration.cancel_execution(self.get_object())
        except lifecycle.AlreadyFinished as exc:
            raise Conflict(f"{exc}; it cannot be cancelled") from None
        return data_response(self.represent(execution), "Cancellation requested")

    @extend_schema(
        operation_id="reschedule_execution",
        summary="Dispatch a scheduled execution again",
        description="For a run whose message was lost; the claim makes a duplicate harmless.",
        parameters=[ID],
        request=None,
        responses={
            200: schema.data_envelope(RESCHEDULED, "ExecutionRescheduleEnvelope"),
            404: schema.NOT_FOUND,
            409: schema.error("The execution is not `scheduled`."),
            401: schema.UNAUTHORIZED,
            403: schema.error("Lacks `executions.change_execution`."),
        },
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        execution = self.get_object()
        now = timezone.now()
        with transaction.atomic():
            if not Execution.objects.filter(id=execution.id, status=Status.SCHEDULED).update(
                dispatched_at=now, updated=now
            ):
                execution.refresh_from_db()
                raise Conflict(
                    f"Execution {execution.id} is {execution.status}: only a scheduled run can be dispatched again"
                )
            dispatch_on_commit([execution.id])
        execution.refresh_from_db()
        data = {
            "message": "Execution dispatched again",
            "last_attempt_at": serializers.DateTimeField().to_representation(now),
            "execution": self.represent(execution),
        }
        return data_response(data)

    @extend_schema(
        operation_id="get_execution_tasks",
        summary="A workflow execution's tasks",
        description=(
            "Per task, in definition order: its state (`skipped`, `not_run`, `waiting_join` and "
            "`waiting_inquiry` included), activations, attempts, item progress and latest result; "
            "and the workflow's current variables, secret parameter values masked."
        ),
        parameters=[ID],
        responses={
            200: schema.data_envelope(TASKS, "WorkflowTasksEnvelope"),
            404: schema.error("No execution with this id, or it is not a workflow execution."),
            401: schema.UNAUTHORIZED,
        },
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def tasks(self, request, pk=None):
        execution = self.get_object()
        if not hasattr(execution, "workflow_execution"):
            raise exceptions.NotFound(f"Execution {execution.id} is not a workflow execution")
        return data_response(tasks_of(execution))

    @extend_schema(
        operation_id="get_execution_stats",
        summary="Execution counts",
        description="Attune's counts (`pending` = requested, scheduling and scheduled), plus every status and the scheduled runs per queue.",
        responses={200: schema.data_envelope(STATS, "ExecutionStatsEnvelope"), 401: schema.UNAUTHORIZED},
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def stats(self, request):
        by_status = dict.fromkeys(Status.values, 0)
        rows = Execution.objects.order_by().values_list("status").annotate(count=Count("id"))
        by_status.update(dict(rows))
        counts = dict.fromkeys(STATS_COUNTS, 0)
        for name, count in by_status.items():
            counts["total"] += count
            counts[STATS_GROUP.get(name, name)] += count
        queues = (
            Execution.objects.filter(status=Status.SCHEDULED)
            .order_by("queue")
            .values_list("queue")
            .annotate(count=Count("id"))
        )
        return data_response({**counts, "by_status": by_status, "scheduled_by_queue": dict(queues)})

    @extend_schema(
        operation_id="get_execution_log",
        summary="An execution's captured stdout or stderr",
        description="The text the run printed (capped at ATTUNE_ACTION_MAX_OUTPUT_BYTES), secrets masked; empty until it finished.",
        parameters=[ID, STREAM],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="The output, as text."),
            400: schema.error("The stream is neither `stdout` nor `stderr`."),
            404: schema.NOT_FOUND,
            401: schema.UNAUTHORIZED,
        },
    )
    @action(detail=True, methods=["get"], url_path=r"logs/(?P<stream>[^/]+)", filterset_class=None)
    def logs(self, request, pk=None, stream=None):
        execution = self.get_object()
        if stream not in ("stdout", "stderr"):
            raise exceptions.ValidationError(
                {"stream": [f"Unsupported log stream '{stream}': stdout or stderr."]}
            )
        result = shown_result(execution)
        text = result.get(stream) if isinstance(result, dict) else None
        return HttpResponse(text if isinstance(text, str) else "", content_type="text/plain; charset=utf-8")
