from rest_framework import serializers

from actions.companions import follow_workflow
from actions.models import Action
from actions.rules import pack_to_add_to
from attune.api import DefinitionInvalid
from attune.serializers import JSONObjectField, StrictCharField, StrictWriteSerializer, TagListField
from attune.validators import validate_pack_ref
from workflows.models import Workflow
from workflows.validation import check_definition

SUMMARY_FIELDS = [
    "id",
    "ref",
    "pack_ref",
    "label",
    "description",
    "version",
    "tags",
    "enabled",
    "created",
    "updated",
]


WRITE_FIELDS = [
    "ref", "pack_ref", "label", "description", "version", "param_schema", "out_schema", "definition", "tags", "enabled",
]  # fmt: skip


class WorkflowSummarySerializer(serializers.ModelSerializer):
    """One row of a workflow list."""

    pack_ref = serializers.CharField(source="pack.ref", read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Workflow
        fields = SUMMARY_FIELDS
        read_only_fields = fields


class WorkflowSerializer(WorkflowSummarySerializer):
    """A workflow with its schemas and definition."""

    param_schema = JSONObjectField(read_only=True, allow_null=True)
    out_schema = JSONObjectField(read_only=True, allow_null=True)
    definition = JSONObjectField(read_only=True)

    class Meta:
        model = Workflow
        fields = [*SUMMARY_FIELDS, "pack", "param_schema", "out_schema", "definition"]
        read_only_fields = fields


class WorkflowWriteFields(StrictWriteSerializer):
    tags = TagListField(required=False)
    param_schema = JSONObjectField(required=False, allow_null=True)
    out_schema = JSONObjectField(required=False, allow_null=True)
    definition = JSONObjectField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # JSONObjectField replaced the model fields, so re-attach the model's validators.
        # The definition is judged in validate(), where the parameter schema is known.
        for name in ("param_schema", "out_schema"):
            self.fields[name].validators = list(Workflow._meta.get_field(name).validators)
        self.warnings: list[dict] = []

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Other fields failed, so validate() will not run: judge the definition now, so
            # one answer lists every problem.
            definition = data.get("definition") if isinstance(data, dict) else None
            report = check_definition(definition) if isinstance(definition, dict) else None
            if report is not None and report.errors:
                raise DefinitionInvalid(report.diagnostics, other_errors=exc.detail) from None
            raise

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "definition" in attrs or "param_schema" in attrs:
            definition = attrs.get("definition", getattr(self.instance, "definition", None))
            param_schema = attrs.get("param_schema", getattr(self.instance, "param_schema", None))
            report = check_definition(
                definition,
                param_schema=param_schema,
                workflow_exists=workflow_exists,
                known_actions=known_actions,
            )
            if report.errors:
                raise DefinitionInvalid(report.diagnostics)
            attrs["definition"] = report.definition  # stored in canonical form
            self.warnings = [d.as_dict() for d in report.warnings]
        return attrs


class WorkflowCreateSerializer(WorkflowWriteFields):
    """Body of POST /api/v1/workflows."""

    pack_ref = StrictCharField(
        write_only=True, validators=[validate_pack_ref], help_text="Ref of the owning pack."
    )

    class Meta:
        model = Workflow
        fields = WRITE_FIELDS
        # Uniqueness is decided by the database (409), not by a racy pre-check here.
        extra_kwargs = {"ref": {"validators": Workflow._meta.get_field("ref").validators}}

    def validate(self, attrs):
        attrs["pack"] = pack_to_add_to(attrs.pop("pack_ref"), "workflow")
        return super().validate(attrs)


def workflow_exists(ref: str) -> bool:
    return Workflow.objects.filter(ref=ref).exists()


def known_actions(refs: set[str]) -> set[str]:
    """Which of `refs` name an action (W402 warns of the others)."""
    return set(Action.objects.filter(ref__in=refs).values_list("ref", flat=True))


class WorkflowUpdateSerializer(WorkflowWriteFields):
    """Body of PUT/PATCH /api/v1/workflows/{ref}: only the fields sent change."""

    ref = StrictCharField(required=False, help_text="May be sent, but only unchanged.")
    pack_ref = StrictCharField(required=False, help_text="May be sent, but only unchanged.")

    class Meta:
        model = Workflow
        fields = WRITE_FIELDS
        immutable_fields = ("ref", "pack_ref")

    def update(self, instance, validated_data):
        instance = super().update(instance, validated_data)
        follow_workflow(instance, validated_data)  # its companion action, when it is action-linked
        return instance
