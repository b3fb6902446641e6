"""Request and response shapes of the pack-from-disk endpoints."""

from rest_framework import serializers

from attune.serializers import StrictBooleanField
from packs.serializers import PackSerializer


class RegisterSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text="Pack directory, absolute or relative to ATTUNE_PACKS_DIR; must be inside it."
    )
    force = StrictBooleanField(default=False, help_text="Update the pack if it is registered already.")
    skip_tests = StrictBooleanField(
        default=False, help_text="Accepted for Attune clients; packs have no tests here."
    )


class FormBooleanField(serializers.BooleanField):
    """Multipart forms send text: exactly `true` or `false`, as documented (not `True`, `1`, `on`)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The pack as .tar.gz, .tgz or .zip.")
    pack = serializers.FileField(required=False, help_text="Same as `file`: the name Attune's clients send.")
    force = FormBooleanField(default=False, help_text="Replace the pack if it is registered already.")
    skip_tests = FormBooleanField(
        default=False, help_text="Accepted for Attune clients; packs have no tests here."
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("pack" in attrs):
            raise serializers.ValidationError({"file": ["Send the archive once, as `file` or `pack`."]})
        attrs.setdefault("file", attrs.pop("pack", None))
        return attrs


class WorkflowChangeSerializer(serializers.Serializer):
    ref = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged", "delete"])
    fields = serializers.ListField(child=serializers.CharField(), help_text="Fields an update changes.")
    id = serializers.IntegerField(allow_null=True)


class PlanSerializer(serializers.Serializer):
    ref = serializers.CharField()
    action = serializers.ChoiceField(choices=["create", "update", "unchanged"])
    fields = serializers.ListField(child=serializers.CharField(), help_text="Pack fields an update changes.")
    workflows = WorkflowChangeSerializer(many=True)
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="What was seen but not loaded, and warnings (W401, W402)."
    )
    source_dir = serializers.CharField()
    actions = WorkflowChangeSerializer(
        many=True, help_text="The pack's actions: runner actions, and each workflow action's companion."
    )


class RegisteredSerializer(serializers.Serializer):
    pack = PackSerializer()
    plan = PlanSerializer()
    tests_skipped = serializers.BooleanField(
        help_text="Always true: packs have no tests here (Attune's field)."
    )


class SyncedWorkflowSerializer(serializers.Serializer):
    ref_name = serializers.CharField()
    created = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())
    workflow_def_id = serializers.IntegerField(allow_null=True)


class SyncResultSerializer(serializers.Serializer):
    pack_ref = serializers.CharField()
    loaded_count = serializers.IntegerField(help_text="Workflows read from disk.")
    registered_count = serializers.IntegerField(help_text="Workflows created or updated.")
    workflows = SyncedWorkflowSerializer(many=True)
    errors = serializers.ListField(
        child=serializers.CharField(), help_text="Always empty: a pack with errors is refused whole (400)."
    )
    plan = PlanSerializer()


class ValidationResultSerializer(serializers.Serializer):
    pack_ref = serializers.CharField()
    validated_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per workflow ref (or per file, for problems outside a workflow).",
    )
