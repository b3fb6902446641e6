"""Attune's inquiry API: list, get, respond. The domain rules live in executions/inquiries.py."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from attune import schema
from attune.api import Conflict, data_response
from executions import inquiries
from executions.filters import ID_MAX, InquiryFilter
from executions.models import Inquiry
from executions.pagination import ExecutionPagination

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Inquiry id.")


class InquirySerializer(serializers.ModelSerializer):
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)
    responded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    response_schema = serializers.JSONField(source="schema", read_only=True)

    class Meta:
        model = Inquiry
        fields = (
            "id",
            "execution",
            "task",
            "prompt",
            "response_schema",
            "response",
            "assigned_to",
            "responded_by",
            "status",
            "timeout_at",
            "responded_at",
            "created",
            "updated",
        )
        read_only_fields = fields


class RespondSerializer(serializers.Serializer):
    response = serializers.DictField(help_text="The answer, validated against the inquiry's schema.")


InquiryEnvelope = schema.data_envelope(InquirySerializer(), "InquiryEnvelope")


@extend_schema_view(
    list=extend_schema(
        operation_id="list_inquiries",
        summary="List inquiries",
        description="Newest first; filter by `status` and `execution` (the run that asked).",
        responses={200: InquirySerializer(many=True), **schema.READ_ERRORS},
    ),
    retrieve=extend_schema(
        operation_id="get_inquiry",
        summary="Get an inquiry",
        parameters=[ID],
        responses={200: InquiryEnvelope, 404: schema.NOT_FOUND, **schema.READ_ERRORS},
    ),
)
@extend_schema(tags=["inquiries"])
class InquiryViewSet(viewsets.ReadOnlyModelViewSet):
    """Questions asked by workflow tasks (core.ask) and their answers."""

    permission_classes = [IsAuthenticated]
    queryset = Inquiry.objects.select_related("assigned_to", "responded_by")
    serializer_class = InquirySerializer
    filterset_class = InquiryFilter
    pagination_class = ExecutionPagination
    lookup_value_regex = r"[0-9]+"

    def get_object(self):
        pk = int(self.kwargs["pk"])
        inquiry = self.get_queryset().filter(pk=pk).first() if pk <= ID_MAX else None
        if inquiry is None:
            raise exceptions.NotFound(f"Inquiry with ID {pk} not found")
        return inquiry

    def retrieve(self, request, *args, **kwargs):
        return data_response(InquirySerializer(self.get_object()).data)

    @extend_schema(
        operation_id="respond_to_inquiry",
        summary="Answer an inquiry",
        description=(
            "Validates `response` against the inquiry's schema (defaults applied) and answers it "
            "once; the waiting workflow task then starts. Needs `executions.respond_inquiry`, and "
            "to be the `assigned_to` user when one is set (a superuser may answer any)."
        ),
        parameters=[ID],
        request=RespondSerializer,
        responses={
            200: InquiryEnvelope,
            400: schema.error("The response does not match the schema (per field in `details`)."),
            403: schema.error(
                "Lacks `executions.respond_inquiry`, or the inquiry is assigned to another user."
            ),
            404: schema.NOT_FOUND,
            409: schema.error("Already answered, timed out or cancelled, or its workflow is finishing."),
            401: schema.UNAUTHORIZED,
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def respond(self, request, pk=None):
        inquiry = self.get_object()
        body = RespondSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            inquiry = inquiries.respond(inquiry.id, body.validated_data["response"], request.user)
        except inquiries.NotPermitted as exc:
            raise exceptions.PermissionDenied(exc.message) from None
        except inquiries.AlreadyClosed as exc:
            raise Conflict(exc.message) from None
        except inquiries.InquiryRefused as exc:
            raise exceptions.ValidationError(exc.errors or {"response": [exc.message]}) from None
        return data_response(InquirySerializer(inquiry).data, "Inquiry answered")
