"""The action API's shapes, named as Attune's ActionResponse / ActionSummary / requests."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action
from actions.rules import MAX_TIMEOUT, VISIBILITIES, pack_to_add_to
from attune import schema
from attune.serializers import JSONObjectField, StrictCharField, StrictWriteSerializer, TagListField
from attune.validators import validate_pack_ref

# Attune's runtime refs, for clients (the SDK) that name a runtime instead of a runner type.
RUNTIME_REFS = {"core.python": "python", "core.shell": "shell", "core.bash": "shell", "core.sh": "shell"}
API_NAMES = {
    "entry_point": "entrypoint",
    "parameters": "param_schema",
    "output": "out_schema",
    "timeout": "timeout_seconds",
}
SUMMARY_FIELDS = [
    "id", "ref", "pack_ref", "label", "description", "entrypoint", "runner_type", "enabled", "tags",
    "timeout_seconds", "workflow_def", "accesses_mcp", "reference_visibility", "created", "updated",
]  # fmt: skip
DETAIL_FIELDS = [
    *SUMMARY_FIELDS, "pack", "param_schema", "out_schema", "parameter_delivery", "parameter_format",
    "output_format", "is_adhoc", "source_path",
]  # fmt: skip
WRITE_FIELDS = [
    "ref", "pack_ref", "label", "description", "entrypoint", "runner_type", "runtime_ref", "enabled",
    "param_schema", "out_schema", "parameter_delivery", "parameter_format", "output_format",
    "timeout_seconds", "tags", "accesses_mcp", "reference_visibility",
]  # fmt: skip


class ActionSummarySerializer(serializers.ModelSerializer):
    """One row of an action list (Attune's ActionSummary, plus runner_type and tags)."""

    pack_ref = serializers.CharField(source="pack.ref", read_only=True)
    entrypoint = serializers.CharField(source="entry_point", read_only=True)
    timeout_seconds = serializers.IntegerField(
        source="timeout", read_only=True, allow_null=True, help_text="Null: ATTUNE_DEFAULT_ACTION_TIMEOUT."
    )
    workflow_def = serializers.IntegerField(
        source="workflow_id",
        read_only=True,
        allow_null=True,
        help_text="The workflow a `workflow` action runs.",
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    accesses_mcp = serializers.SerializerMethodField(help_text="Always false: this server has no MCP.")
    reference_visibility = serializers.SerializerMethodField(
        help_text="Always `public`: every pack may reference every action."
    )

    class Meta:
        model = Action
        fields = SUMMARY_FIELDS
        read_only_fields = fields

    def get_accesses_mcp(self, action) -> bool:
        return False

    def get_reference_visibility(self, action) -> str:
        return VISIBILITIES[0]


class ActionSerializer(ActionSummarySerializer):
    """An action with its schemas (Attune's ActionResponse, plus this server's runner fields)."""

    param_schema = JSONObjectField(source="parameters", read_only=True)
    out_schema = JSONObjectField(source="output", read_only=True, allow_null=True)
    is_adhoc = serializers.SerializerMethodField(help_text="True when not loaded from a pack's files.")

    class Meta:
        model = Action
        fields = DETAIL_FIELDS
        read_only_fields = fields

    def get_is_adhoc(self, action) -> bool:
        return not action.source_path


@extend_schema_field({"type": "boolean", "enum": [False]})
class NoMcpField(serializers.Field):
    """Attune's `accesses_mcp` hint: accepted as false only (this server has no MCP)."""

    def to_internal_value(self, data):
        if data is not False:
            raise serializers.ValidationError("Only false: this server has no MCP server.")
        return data


@extend_schema_field({"type": "string", "enum": list(VISIBILITIES)})
class VisibilityField(serializers.Field):
    """Attune's `reference_visibility`: accepted as `public` only (every action is public here)."""

    def to_internal_value(self, data):
        if data not in VISIBILITIES:
            raise serializers.ValidationError("Only 'public': every pack may reference every action here.")
        return data


@extend_schema_field(schema.patch_ops({"type": "integer", "minimum": 1, "maximum": MAX_TIMEOUT}))
class TimeoutPatchField(serializers.Field):
    """Seconds, or Attune's patch form `{"op": "set", "value": N}` / `{"op": "clear"}` (None)."""

    default_error_messages = {
        # Braces doubled: DRF formats the message.
        "invalid": 'Send a whole number of seconds (1 to 2147483647), {{"op": "set", "value": N}} or {{"op": "clear"}}.'
    }

    def to_internal_value(self, data):
        if data == {"op": "clear"}:
            return None
        if isinstance(data, dict) and set(data) == {"op", "value"} and data["op"] == "set":
            data = data["value"]
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_TIMEOUT:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class ActionWriteFields(StrictWriteSerializer):
    entrypoint = StrictCharField(source="entry_point", required=False, max_length=1024)
    param_schema = JSONObjectField(source="parameters", required=False)
    out_schema = JSONObjectField(source="output", required=False)
    timeout_seconds = serializers.IntegerField(
        source="timeout",
        required=False,
        min_value=1,
        max_value=MAX_TIMEOUT,
        help_text="Seconds; absent: the server's default.",
    )
    tags = TagListField(required=False)
    runtime_ref = serializers.ChoiceField(
        choices=sorted(RUNTIME_REFS),
        required=False,
        write_only=True,
        help_text="Attune's runtime, instead of `runner_type`: core.python, or a shell.",
    )
    accesses_mcp = NoMcpField(required=False, write_only=True)
    reference_visibility = VisibilityField(required=False, write_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The typed fields replaced the model's, so re-attach the model's validators.
        for name, source in (("param_schema", "parameters"), ("out_schema", "output")):
            self.fields[name].validators = list(Action._meta.get_field(source).validators)
        # `workflow` actions are made by loading their workflow, never through this API.
        self.fields["runner_type"] = serializers.ChoiceField(
            choices=["python", "shell", "builtin"], required=False
        )

    def validate(self, attrs):
        attrs.pop("accesses_mcp", None)
        attrs.pop("reference_visibility", None)
        runtime = attrs.pop("runtime_ref", None)
        if runtime is not None:
            if attrs.get("runner_type", RUNTIME_REFS[runtime]) != RUNTIME_REFS[runtime]:
                raise serializers.ValidationError(
                    {
                        "runtime_ref": [
                            f"'{runtime}' runs '{RUNTIME_REFS[runtime]}' actions, not the runner_type sent."
                        ]
                    }
                )
            attrs["runner_type"] = RUNTIME_REFS[runtime]
        try:
            return super().validate(attrs)
        except serializers.ValidationError as exc:
            # Model.clean() names model fields; the client sent the API's names.
            raise serializers.ValidationError(
                {API_NAMES.get(key, key): value for key, value in exc.detail.items()}
            ) from None


class ActionCreateSerializer(ActionWriteFields):
    """Body of POST /api/v1/actions."""

    pack_ref = StrictCharField(
        write_only=True, validators=[validate_pack_ref], help_text="Ref of the owning pack."
    )

    class Meta:
        model = Action
        fields = WRITE_FIELDS
        # Uniqueness is decided by the database (409), not by a racy pre-check here.
        extra_kwargs = {"ref": {"validators": Action._meta.get_field("ref").validators}}

    def validate(self, attrs):
        attrs["pack"] = pack_to_add_to(attrs.pop("pack_ref"), "action")
        if "runner_type" not in attrs and "runtime_ref" not in attrs:
            raise serializers.ValidationError(
                {"runner_type": ["Required: python, shell or builtin (or Attune's runtime_ref)."]}
            )
        return super().validate(attrs)


class ActionUpdateSerializer(ActionWriteFields):
    """Body of PUT/PATCH /api/v1/actions/{ref}: only the fields sent change."""

    ref = StrictCharField(required=False, help_text="May be sent, but only unchanged.")
    pack_ref = StrictCharField(required=False, help_text="May be sent, but only unchanged.")
    timeout_seconds = TimeoutPatchField(
        source="timeout",
        required=False,
        help_text="Seconds, or Attune's patch form; `clear`: the server's default.",
    )

    class Meta:
        model = Action
        fields = WRITE_FIELDS
        immutable_fields = ("ref", "pack_ref")
