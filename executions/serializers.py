"""The execution API's shapes: Attune's ExecutionResponse, ExecutionSummary and the
execute request. `input` and `env_vars` are never part of any of them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attune.serializers import JSONObjectField, StrictCharField, UnknownKeysRefused
from executions import service
from executions.models import Execution
from executions.redaction import shown_result

SUMMARY_FIELDS = [
    "id",
    "action_ref",
    "status",
    "timeout_seconds",
    "parent",
    "enforcement",
    "rule_ref",
    "trigger_ref",
    "started_at",
    "workflow_task",
    "original_execution",
    "created",
    "updated",
]
# Attune's fields for what this server has no notion of yet (rules, triggers, enforcements).
NOT_APPLICABLE = ("enforcement", "rule_ref", "trigger_ref")


@extend_schema_field({"type": "integer", "nullable": True})
class NullIdField(serializers.ReadOnlyField):
    """An Attune id field this server has no object for: always null."""

    def get_attribute(self, instance):
        return None


@extend_schema_field({"type": "string", "nullable": True})
class NullRefField(NullIdField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}, "nullable": True})
class EnvVarsField(JSONObjectField):
    """Names and string values; the names the runner owns are refused (service.env_var_errors)."""


class ExecutionSummarySerializer(serializers.ModelSerializer):
    """One row of an execution list (Attune's ExecutionSummary)."""

    enforcement = NullIdField()
    rule_ref = NullRefField()
    trigger_ref = NullRefField()
    workflow_task = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = Execution
        fields = SUMMARY_FIELDS
        read_only_fields = fields


class ExecutionSerializer(serializers.ModelSerializer):
    """One execution (Attune's ExecutionResponse): parameters redacted, secrets masked."""

    enforcement = NullIdField()
    config = JSONObjectField(read_only=True, help_text="The parameters; secret ones shown as `********`.")
    result = serializers.SerializerMethodField(
        help_text="The result object (docs/actions.md), null until the run finished."
    )
    # Attune's `worker` is a worker id; workers here are named, not registered rows.
    worker = NullIdField(help_text="Always null: see `worker_name`.")
    worker_name = serializers.CharField(
        source="worker", read_only=True, help_text="host:pid of the worker that ran it."
    )
    workflow_task = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = Execution
        fields = [
            "id",
            "action",
            "action_ref",
            "config",
            "parent",
            "enforcement",
            "executor",
            "worker",
            "worker_name",
            "status",
            "result",
            "timeout_seconds",
            "original_execution",
            "started_at",
            "workflow_task",
            "created",
            "updated",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": True, "nullable": True})
    def get_result(self, execution):
        return shown_result(execution)


class ExecuteRequestSerializer(UnknownKeysRefused, serializers.Serializer):
    """`POST /executions/execute`. `null` means "not given" for every optional field."""

    action_ref = StrictCharField(max_length=193, help_text="The action to run, `<pack>.<name>`.")
    parameters = JSONObjectField(
        required=False, allow_null=True, help_text="The action's parameters; schema defaults fill the rest."
    )
    env_vars = EnvVarsField(
        required=False,
        allow_null=True,
        help_text=(
            "Extra environment variables for the action. `ATTUNE_*`, `PATH`, `HOME`, `LD_*`, "
            "`PYTHON*` and other names the runner owns are refused."
        ),
    )
    timeout_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=service.MAX_TIMEOUT_SECONDS,
        help_text="Seconds before the run is stopped; default the action's timeout.",
    )
    max_retries = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=service.MAX_RETRIES,
        help_text="Extension: times an abandoned run (its worker died) is retried. Default 0.",
    )
