from django.db.models import BooleanField, CharField, F, Value
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound, PermissionDenied

from actions.filters import ActionFilter
from actions.models import Action
from actions.rules import VISIBILITIES, CorePackProtected, protect_core
from actions.serializers import (
    SUMMARY_FIELDS,
    ActionCreateSerializer,
    ActionSerializer,
    ActionSummarySerializer,
    ActionUpdateSerializer,
)
from attune import schema
from attune.api import Conflict
from attune.viewsets import EnvelopeModelViewSet, PackContentsListView
from packs.models import Pack

ActionEnvelope = schema.data_envelope(ActionSerializer(), "ActionEnvelope")
# The list's columns straight from the database; renamed and constant ones are annotations.
ANNOTATIONS = {
    "pack_ref": F("pack__ref"),
    "entrypoint": F("entry_point"),
    "timeout_seconds": F("timeout"),
    "workflow_def": F("workflow_id"),
    "accesses_mcp": Value(False, output_field=BooleanField()),
    "reference_visibility": Value(VISIBILITIES[0], output_field=CharField()),
}
SUMMARY_VALUES = tuple(name for name in SUMMARY_FIELDS if name not in ANNOTATIONS)
REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="Action ref, `<pack_ref>.<name>`.")
PROTECTED = schema.error("A core pack action (shipped with the server) cannot be changed or deleted.")
WORKFLOW_ACTION = schema.error(
    "A `workflow` action is managed through its workflow: change or delete the workflow instead."
)
UPDATE = {
    "summary": "Update an action",
    "description": "Partial update: fields absent or `null` stay unchanged; `ref` and `pack_ref` cannot change.",
    "parameters": [REF, schema.IF_MATCH, schema.ETAG_200],
    "request": ActionUpdateSerializer,
    "responses": {
        200: ActionEnvelope,
        404: schema.NOT_FOUND,
        409: WORKFLOW_ACTION,
        412: schema.PRECONDITION_FAILED,
        **schema.WRITE_ERRORS,
        403: PROTECTED,
    },
}


def refuse_managed(action: Action, what: str) -> None:
    """Core pack actions are the server's; `workflow` actions follow their workflow."""
    try:
        protect_core(action.pack.ref, f"its action '{action.ref}' cannot be {what}")
    except CorePackProtected as exc:
        raise PermissionDenied(str(exc)) from None
    if action.runner_type == Action.RunnerType.WORKFLOW:
        raise Conflict(
            f"Action '{action.ref}' runs the workflow of the same ref and follows it: "
            f"change or delete the workflow (/api/v1/workflows/{action.ref}) instead."
        )


@extend_schema_view(
    list=extend_schema(
        operation_id="list_actions",
        summary="List actions",
        responses={200: ActionSummarySerializer(many=True), **schema.READ_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="get_action",
        summary="Get an action",
        parameters=[REF, schema.ETAG_200],
        responses={200: ActionEnvelope, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        operation_id="create_action",
        summary="Create an action",
        request=ActionCreateSerializer,
        parameters=[schema.ETAG_201],
        responses={
            201: ActionEnvelope,
            404: schema.error("`pack_ref` names no pack."),
            409: schema.CONFLICT,
            **schema.WRITE_ERRORS,
            403: schema.error("No actions.add_action permission, or the pack is the core pack."),
        },
    ),
    update=extend_schema(operation_id="update_action", **UPDATE),
    partial_update=extend_schema(operation_id="partial_update_action", **UPDATE),
    destroy=extend_schema(
        operation_id="delete_action",
        summary="Delete an action",
        parameters=[REF, schema.IF_MATCH],
        responses={
            200: schema.SuccessEnvelope,
            404: schema.NOT_FOUND,
            409: WORKFLOW_ACTION,
            412: schema.PRECONDITION_FAILED,
            **schema.WRITE_ERRORS,
            403: PROTECTED,
        },
    ),
)
@extend_schema(tags=["actions"])
class ActionViewSet(EnvelopeModelViewSet):
    """Actions, addressed by ref."""

    entity = "Action"
    # select_related: every representation shows `pack_ref`.
    queryset = Action.objects.select_related("pack")
    filterset_class = ActionFilter
    list_values, list_annotations = SUMMARY_VALUES, ANNOTATIONS
    serializer_classes = {
        "list": ActionSummarySerializer,
        "retrieve": ActionSerializer,
        "create": ActionCreateSerializer,
        "update": ActionUpdateSerializer,
        "partial_update": ActionUpdateSerializer,
    }

    def lock_queryset(self):
        # The serializer checks `ref` against the pack's ref; the pack row is not locked.
        return Action.objects.select_related("pack")

    def update(self, request, *args, **kwargs):
        # Neither the pack nor the runner type of a row can change, so checking first is safe.
        refuse_managed(self.get_object(), "changed")
        return super().update(request, *args, **kwargs)

    def check_destroy(self, instance):
        refuse_managed(instance, "deleted")

    def explain_integrity_error(self, validated_data):
        # The pack was deleted between the lookup and the insert (its foreign key failed).
        pack = validated_data["pack"]
        if not Pack.objects.filter(pk=pack.pk).exists():
            raise NotFound(f"Pack '{pack.ref}' not found")


@extend_schema_view(
    get=extend_schema(
        operation_id="list_actions_by_pack",
        summary="List a pack's actions",
        tags=["actions"],
        parameters=[OpenApiParameter("pack_ref", str, OpenApiParameter.PATH, description="Pack ref.")],
        responses={
            200: ActionSummarySerializer(many=True),
            404: schema.error("No pack with this ref."),
            **schema.READ_ERRORS,
        },
    )
)
class PackActionListView(PackContentsListView):
    """The actions of one pack, with the same filters as the action list."""

    serializer_class = ActionSummarySerializer
    filterset_class = ActionFilter
    queryset = Action.objects.all()
    list_values, list_annotations = SUMMARY_VALUES, ANNOTATIONS
