from django.db.models import F
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from attune import schema
from attune.api import data_response
from attune.auth.authentication import JWTAuthentication
from attune.viewsets import EnvelopeModelViewSet, PackContentsListView, ValuesDetailMixin
from packs.models import Pack
from workflows.execution_picture import (
    ID_SCHEMA,
    THEME_SCHEMA,
    definition_picture,
    execution_id,
    execution_picture,
    picture_theme,
)
from workflows.filters import WorkflowFilter
from workflows.language_views import GRAPH
from workflows.models import Workflow
from workflows.serializers import (
    SUMMARY_FIELDS,
    WorkflowCreateSerializer,
    WorkflowSerializer,
    WorkflowSummarySerializer,
    WorkflowUpdateSerializer,
)
from workflows.validation import WORKFLOW_SCHEMA, describe_graph

WorkflowEnvelope = schema.data_envelope(WorkflowSerializer(), "WorkflowEnvelope", warnings=True)
SUMMARY_VALUES = tuple(name for name in SUMMARY_FIELDS if name != "pack_ref")
SHOWN_COLUMNS = tuple(name for name in WorkflowSerializer.Meta.fields if name != "pack_ref")
PACK_REF = {"pack_ref": F("pack__ref")}
REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="Workflow ref, `<pack_ref>.<name>`.")
UPDATE = {
    "summary": "Update a workflow",
    "description": "Partial update: fields absent or `null` stay unchanged; `ref` and `pack_ref` cannot change.",
    "parameters": [REF, schema.IF_MATCH, schema.ETAG_200],
    "request": WorkflowUpdateSerializer,
    "responses": {
        200: WorkflowEnvelope,
        404: schema.NOT_FOUND,
        412: schema.PRECONDITION_FAILED,
        **schema.WRITE_ERRORS,
    },
}


@extend_schema_view(
    list=extend_schema(
        operation_id="list_workflows",
        summary="List workflows",
        responses={200: WorkflowSummarySerializer(many=True), **schema.READ_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="get_workflow",
        summary="Get a workflow",
        parameters=[REF, schema.ETAG_200],
        responses={200: WorkflowEnvelope, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        operation_id="create_workflow",
        summary="Create a workflow",
        request=WorkflowCreateSerializer,
        parameters=[schema.ETAG_201],
        responses={
            201: WorkflowEnvelope,
            404: schema.error("`pack_ref` names no pack."),
            409: schema.CONFLICT,
            **schema.WRITE_ERRORS,
        },
    ),
    update=extend_schema(operation_id="update_workflow", **UPDATE),
    partial_update=extend_schema(operation_id="partial_update_workflow", **UPDATE),
    destroy=extend_schema(
        operation_id="delete_workflow",
        summary="Delete a workflow",
        parameters=[REF, schema.IF_MATCH],
        responses={
            200: schema.SuccessEnvelope,
            404: schema.NOT_FOUND,
            412: schema.PRECONDITION_FAILED,
            **schema.WRITE_ERRORS,
        },
    ),
)
@extend_schema(tags=["workflows"])
class WorkflowViewSet(ValuesDetailMixin, EnvelopeModelViewSet):
    """Workflow definitions, addressed by ref."""

    action_permissions = {"language_schema": [], "graph": [], "graph_picture": []}

    entity = "Workflow"
    # select_related: every representation shows `pack_ref`. `only`: the shown columns (and
    # the revision, for the ETag). The source texts and the pack's documents are in no answer,
    # and reading them cost the detail half its time (bench/list_workflows.py).
    queryset = Workflow.objects.select_related("pack").only(*SHOWN_COLUMNS, "revision", "pack__ref")
    filterset_class = WorkflowFilter
    list_values, list_annotations = SUMMARY_VALUES, PACK_REF
    detail_values, detail_annotations = SHOWN_COLUMNS, PACK_REF
    serializer_classes = {
        "list": WorkflowSummarySerializer,
        "retrieve": WorkflowSerializer,
        "create": WorkflowCreateSerializer,
        "update": WorkflowUpdateSerializer,
        "partial_update": WorkflowUpdateSerializer,
    }

    def lock_queryset(self):
        # The serializer checks `ref` against the pack's ref; the pack row is not locked.
        return Workflow.objects.select_related("pack")

    def explain_integrity_error(self, validated_data):
        # The pack was deleted between the lookup and the insert (its foreign key failed).
        pack = validated_data["pack"]
        if not Pack.objects.filter(pk=pack.pk).exists():
            raise NotFound(f"Pack '{pack.ref}' not found")

    @extend_schema(
        operation_id="get_workflow_language_schema",
        summary="The JSON Schema of workflow definitions",
        description="The shape every `definition` must have (graph and template rules are checked on top).",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="A JSON Schema (draft 2020-12)."),
            401: schema.UNAUTHORIZED,
        },
    )
    # Also from an admin session: the definition editor links it (a read-only GET).
    @action(
        detail=False,
        methods=["get"],
        url_path="schema",
        authentication_classes=[JWTAuthentication, SessionAuthentication],
    )
    def language_schema(self, request):
        return Response(WORKFLOW_SCHEMA)

    @extend_schema(
        operation_id="get_workflow_graph",
        summary="The workflow's task graph",
        parameters=[REF],
        responses={
            200: schema.data_envelope(GRAPH, "TaskGraphEnvelope"),
            404: schema.NOT_FOUND,
            401: schema.UNAUTHORIZED,
        },
    )
    @action(detail=True, methods=["get"])
    def graph(self, request, ref=None):
        return data_response(describe_graph(self.get_object().definition))

    @extend_schema(
        operation_id="get_workflow_graph_picture",
        summary="The workflow's task graph as an SVG picture",
        description=(
            "Laid out by Graphviz `dot`: entry tasks have a thick border, unreachable tasks a red "
            "dashed one, `type: workflow` tasks a double border (linked to the child workflow's "
            "admin page when it exists), `parallel` tasks a shaded cluster around their sub-tasks. "
            "Edges are coloured by kind (class `edge-<kind>`: success, failure, timeout, complete, "
            "conditional) and conditions are written on them; `<title>` tooltips give each task's "
            "action, input keys, retry and timeout, and each edge's `when` and `publish` keys. "
            "With `execution`, the graph of that workflow execution as it ran: drawn from the "
            "definition it snapshotted at start, each task node coloured by its state (class "
            "`state-<status>`, the statuses of `/executions/{id}/tasks`), the transitions that "
            "fired thick and solid (class `fired`), with a legend and the attempts and items "
            "counts when above one."
        ),
        parameters=[
            REF,
            OpenApiParameter(
                "execution",
                ID_SCHEMA,
                description="A workflow execution of this workflow: colour the tasks by their state in it.",
            ),
            OpenApiParameter(
                "theme",
                THEME_SCHEMA,
                description="Colours for a light or a dark page (every text at a contrast of 4.5:1 or more).",
            ),
        ],
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="An SVG document."),
            400: schema.error(
                "`execution` is not an integer from 1, or `theme` is neither `light` nor `dark` "
                "(code VALIDATION_ERROR)."
            ),
            404: schema.error(
                "No workflow with this ref, or `execution` names no execution of it (an unknown id, "
                "another workflow's execution, an action or task run)."
            ),
            401: schema.UNAUTHORIZED,
        },
    )
    # Also from an admin session (the admin embeds the picture as an <img>); the token
    # comes first so an anonymous request is still answered 401 with its WWW-Authenticate.
    @action(
        detail=True,
        methods=["get"],
        url_path="graph.svg",
        url_name="graph-svg",
        authentication_classes=[JWTAuthentication, SessionAuthentication],
    )
    def graph_picture(self, request, ref=None):
        workflow = self.get_object()
        theme = picture_theme(request.query_params.get("theme"))
        raw = request.query_params.get("execution")
        if raw is None:
            picture = definition_picture(workflow.definition, workflow.ref, theme=theme)
        else:
            picture = execution_picture(workflow.ref, execution_id(raw), theme)
        return HttpResponse(picture, content_type="image/svg+xml")


@extend_schema_view(
    get=extend_schema(
        operation_id="list_workflows_by_pack",
        summary="List a pack's workflows",
        tags=["workflows"],
        parameters=[OpenApiParameter("pack_ref", str, OpenApiParameter.PATH, description="Pack ref.")],
        responses={
            200: WorkflowSummarySerializer(many=True),
            404: schema.error("No pack with this ref."),
            **schema.READ_ERRORS,
        },
    )
)
class PackWorkflowListView(PackContentsListView):
    """The workflows of one pack, with the same filters as the workflow list."""

    serializer_class = WorkflowSummarySerializer
    filterset_class = WorkflowFilter
    queryset = Workflow.objects.all()
    list_values, list_annotations = SUMMARY_VALUES, PACK_REF
