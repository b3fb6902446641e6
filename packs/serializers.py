from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attune import schema
from attune.serializers import JSONArrayField, JSONObjectField, StrictWriteSerializer, TagListField
from packs.models import Pack
from packs.secrets import masked_config

SUMMARY_FIELDS = [
    "id",
    "ref",
    "label",
    "description",
    "version",
    "tags",
    "is_standard",
    "workflow_count",
    "created",
    "updated",
]
WRITABLE_FIELDS = [
    "ref",
    "label",
    "description",
    "version",
    "tags",
    "conf_schema",
    "config",
    "meta",
    "dependencies",
    "runtime_deps",
    "is_standard",
    "worker_selector",
    "worker_tolerations",
    "worker_affinity",
]
JSON_OBJECT_FIELDS = ("conf_schema", "config", "meta", "worker_selector", "worker_affinity")
JSON_ARRAY_FIELDS = ("dependencies", "runtime_deps", "worker_tolerations")


class PackSummarySerializer(serializers.ModelSerializer):
    """One row of the pack list. `workflow_count` comes from a queryset annotation."""

    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    workflow_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Pack
        fields = SUMMARY_FIELDS
        read_only_fields = fields


class PackWorkflowSerializer(serializers.Serializer):
    """A workflow as listed inside its pack."""

    ref = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    version = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(read_only=True)


class PackSerializer(PackSummarySerializer):
    """A pack with all its fields and its workflows."""

    conf_schema = JSONObjectField(read_only=True)
    config = JSONObjectField(read_only=True)
    meta = JSONObjectField(read_only=True)
    dependencies = serializers.ListField(child=serializers.CharField(), read_only=True)
    runtime_deps = serializers.ListField(child=serializers.CharField(), read_only=True)
    worker_selector = serializers.DictField(child=serializers.CharField(), read_only=True)
    worker_tolerations = JSONArrayField(read_only=True)
    worker_affinity = JSONObjectField(read_only=True)
    workflows = PackWorkflowSerializer(many=True, read_only=True)

    class Meta:
        model = Pack
        fields = [*dict.fromkeys([*SUMMARY_FIELDS, *WRITABLE_FIELDS, "workflows"])]
        read_only_fields = fields

    def to_representation(self, pack):
        data = super().to_representation(pack)
        # Values the conf_schema marks secret are never sent back, to anyone.
        data["config"] = masked_config(pack.conf_schema, data["config"])
        return data


@extend_schema_field(schema.patch_ops({"type": "string"}))
class DescriptionPatchField(serializers.Field):
    """A description as plain text, or Attune's patch form `{"op": "set", "value"}` / `{"op": "clear"}`."""

    default_error_messages = {
        "invalid": 'Send a string, {{"op": "set", "value": "..."}} or {{"op": "clear"}}.'
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            return data
        if isinstance(data, dict) and data.get("op") == "clear" and set(data) == {"op"}:
            return ""
        if (
            isinstance(data, dict)
            and data.get("op") == "set"
            and set(data) == {"op", "value"}
            and isinstance(data["value"], str)
        ):
            return data["value"]
        self.fail("invalid")

    def to_representation(self, value):
        return value


class PackWriteSerializer(StrictWriteSerializer):
    tags = TagListField(required=False)
    description = DescriptionPatchField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed JSON fields replace the model's, keeping the model's own validators.
        for name in (*JSON_OBJECT_FIELDS, *JSON_ARRAY_FIELDS):
            field_class = JSONObjectField if name in JSON_OBJECT_FIELDS else JSONArrayField
            self.fields[name] = field_class(
                required=False, validators=list(Pack._meta.get_field(name).validators)
            )


class PackCreateSerializer(PackWriteSerializer):
    """Body of POST /api/v1/packs."""

    class Meta:
        model = Pack
        fields = WRITABLE_FIELDS
        # Uniqueness is decided by the database (409), not by a racy pre-check here.
        extra_kwargs = {"ref": {"validators": Pack._meta.get_field("ref").validators}}


class PackUpdateSerializer(PackWriteSerializer):
    """Body of PUT/PATCH /api/v1/packs/{ref}: only the fields sent change."""

    class Meta:
        model = Pack
        fields = WRITABLE_FIELDS
        immutable_fields = ("ref",)
        extra_kwargs = {"ref": {"required": False, "validators": []}}
