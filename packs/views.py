from django.db.models import Count, Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.exceptions import PermissionDenied

from actions.rules import CorePackProtected, protect_core
from attune import schema
from attune.viewsets import EnvelopeModelViewSet
from packs.filters import PackFilter
from packs.models import Pack
from packs.ondisk.views import PackDiskActions
from packs.serializers import (
    SUMMARY_FIELDS,
    PackCreateSerializer,
    PackSerializer,
    PackSummarySerializer,
    PackUpdateSerializer,
)
from workflows.models import Workflow

PackEnvelope = schema.data_envelope(PackSerializer(), "PackEnvelope")
REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="Pack ref.")
UPDATE = {
    "summary": "Update a pack",
    "description": "Partial update: fields absent or `null` stay unchanged; `ref` cannot change.",
    "parameters": [REF, schema.IF_MATCH, schema.ETAG_200],
    "request": PackUpdateSerializer,
    "responses": {
        200: PackEnvelope,
        404: schema.NOT_FOUND,
        412: schema.PRECONDITION_FAILED,
        **schema.WRITE_ERRORS,
    },
}


@extend_schema_view(
    list=extend_schema(
        operation_id="list_packs",
        summary="List packs",
        responses={200: PackSummarySerializer(many=True), **schema.READ_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="get_pack",
        summary="Get a pack with its workflows",
        parameters=[REF, schema.ETAG_200],
        responses={200: PackEnvelope, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
    create=extend_schema(
        operation_id="create_pack",
        summary="Create a pack",
        request=PackCreateSerializer,
        parameters=[schema.ETAG_201],
        responses={201: PackEnvelope, 409: schema.CONFLICT, **schema.WRITE_ERRORS},
    ),
    update=extend_schema(operation_id="update_pack", **UPDATE),
    partial_update=extend_schema(operation_id="partial_update_pack", **UPDATE),
    destroy=extend_schema(
        operation_id="delete_pack",
        summary="Delete a pack and its workflows",
        parameters=[REF, schema.IF_MATCH],
        responses={
            200: schema.SuccessEnvelope,
            404: schema.NOT_FOUND,
            412: schema.PRECONDITION_FAILED,
            **schema.WRITE_ERRORS,
        },
    ),
)
@extend_schema(tags=["packs"])
class PackViewSet(PackDiskActions, EnvelopeModelViewSet):
    """Automation packs, addressed by ref."""

    entity = "Pack"
    queryset = Pack.objects.annotate(workflow_count=Count("workflows")).order_by("ref")
    filterset_class = PackFilter
    list_values = tuple(SUMMARY_FIELDS)
    serializer_classes = {
        "list": PackSummarySerializer,
        "retrieve": PackSerializer,
        "create": PackCreateSerializer,
        "update": PackUpdateSerializer,
        "partial_update": PackUpdateSerializer,
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            # `workflows` is shown on the detail shape only.
            queryset = queryset.prefetch_related(
                Prefetch(
                    "workflows",
                    queryset=Workflow.objects.only("pack_id", "ref", "label", "version", "enabled"),
                )
            )
        return queryset

    def after_create(self, instance):
        instance.workflow_count = 0
        return instance

    def check_destroy(self, pack):
        try:
            protect_core(pack.ref, "it cannot be deleted")
        except CorePackProtected as exc:
            raise PermissionDenied(str(exc)) from None
        # The workflows and actions go with the pack, so deleting it is also deleting them.
        for rows, permission in (
            (pack.workflows, "workflows.delete_workflow"),
            (pack.actions, "actions.delete_action"),
        ):
            if self.request.user.has_perm(permission):
                continue
            count = rows.count()
            if count:
                raise PermissionDenied(
                    f"Deleting pack '{pack.ref}' also deletes its {count} {rows.model._meta.verbose_name}(s), "
                    f"which needs the {permission} permission"
                )

    def deleted_message(self, instance, deleted):
        count = deleted.get(Workflow._meta.label, 0)
        noun = "workflow" if count == 1 else "workflows"
        return f"Pack '{instance.ref}' deleted successfully with its {count} {noun}"
