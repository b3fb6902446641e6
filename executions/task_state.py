"""GET /executions/{id}/tasks: each task's state in a workflow execution, and its variables."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from executions.conductor import task_view
from executions.redaction import mask, shown_secrets

TASK_STATES = [
    "pending", "waiting_join", "waiting_inquiry", "running", "succeeded", "failed", "timed_out",
    "skipped", "cancelled", "not_run",
]  # fmt: skip

TASK_STATES_LIST = inline_serializer(
    name="WorkflowTaskState",
    many=True,
    fields={
        "name": serializers.CharField(),
        "status": serializers.ChoiceField(choices=TASK_STATES),
        "activations": serializers.IntegerField(help_text="Times the task started (loops run it again)."),
        "attempts": serializers.IntegerField(help_text="Runs of its latest activation (retries included)."),
        "items": inline_serializer(
            name="WorkflowTaskItems",
            fields={
                "total": serializers.IntegerField(),
                "finished": serializers.IntegerField(),
                "succeeded": serializers.IntegerField(),
                "failed": serializers.IntegerField(),
            },
        ),
        "result": serializers.JSONField(allow_null=True),
        "parent_group": serializers.CharField(
            allow_null=True, help_text="The `parallel` task it is nested in."
        ),
        "fired": serializers.ListField(
            child=serializers.IntegerField(),
            help_text="Positions in its `next` list of the transitions its latest finished activation took.",
        ),
    },
)
TASKS = inline_serializer(
    name="WorkflowTasks",
    fields={
        "execution": serializers.IntegerField(),
        "status": serializers.CharField(help_text="The workflow execution's status."),
        "tasks": TASK_STATES_LIST,
        "variables": serializers.JSONField(help_text="The workflow's variables now; secret values masked."),
    },
)


def tasks_of(execution) -> dict:
    workflow_execution = execution.workflow_execution
    secrets = shown_secrets(execution)  # the workflow's own and those of the workflows above
    return {
        "execution": execution.id,
        "status": execution.status,
        "tasks": mask(task_view(workflow_execution.definition, workflow_execution.state), secrets),
        "variables": mask(workflow_execution.variables, secrets),
    }
