from rest_framework import serializers
from rest_framework.exceptions import NotFound

from attune.serializers import JSONObjectField, StrictWriteSerializer, TagListField
from attune.validators import validate_pack_ref
from packs.models import Pack
from workflows.models import Workflow

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
        for name in ("param_schema", "out_schema", "definition"):
            self.fields[name].validators = list(Workflow._meta.get_field(name).validators)


class WorkflowCreateSerializer(WorkflowWriteFields):
    """Body of POST /api/v1/workflows."""

    pack_ref = serializers.CharField(
        write_only=True, validators=[validate_pack_ref], help_text="Ref of the owning pack."
    )

    class Meta:
        model = Workflow
        fields = WRITE_FIELDS
        # Uniqueness is decided by the database (409), not by a racy pre-check here.
        extra_kwargs = {"ref": {"validators": Workflow._meta.get_field("ref").validators}}

    def validate(self, attrs):
        pack_ref = attrs.pop("pack_ref")
        pack = Pack.objects.filter(ref=pack_ref).first()
        if pack is None:
            raise NotFound(f"Pack '{pack_ref}' not found")
        attrs["pack"] = pack
        return super().validate(attrs)


class WorkflowUpdateSerializer(WorkflowWriteFields):
    """Body of PUT/PATCH /api/v1/workflows/{ref}: only the fields sent change."""

    ref = serializers.CharField(required=False, help_text="May be sent, but only unchanged.")
    pack_ref = serializers.CharField(required=False, help_text="May be sent, but only unchanged.")

    class Meta:
        model = Workflow
        fields = WRITE_FIELDS
        immutable_fields = ("ref", "pack_ref")
