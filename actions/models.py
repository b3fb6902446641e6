from django.core.exceptions import ValidationError
from django.db import models

from actions.rules import runner_problems, validate_timeout
from attune.fields import TagsField
from attune.models import Revisioned
from attune.validators import validate_param_schema, validate_workflow_ref


class Action(Revisioned):
    """What a task runs: a script in a pack (`python`, `shell`), a built-in of the core pack,
    or a workflow's companion action (`workflow`). Addressed by `<pack>.<name>`, as in Attune."""

    class RunnerType(models.TextChoices):
        PYTHON = "python"
        SHELL = "shell"
        BUILTIN = "builtin"
        WORKFLOW = "workflow"

    class ParameterDelivery(models.TextChoices):
        STDIN = "stdin"
        FILE = "file"

    class ParameterFormat(models.TextChoices):
        JSON = "json"
        DOTENV = "dotenv"
        YAML = "yaml"

    class OutputFormat(models.TextChoices):
        TEXT = "text"
        JSON = "json"
        YAML = "yaml"

    ref = models.CharField(max_length=193, unique=True, validators=[validate_workflow_ref])
    pack = models.ForeignKey("packs.Pack", on_delete=models.CASCADE, related_name="actions")
    label = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    runner_type = models.CharField(max_length=16, choices=RunnerType.choices)
    # Relative to the pack's actions/ directory (python, shell); the built-in's name (builtin).
    entry_point = models.CharField(max_length=1024, blank=True, default="")
    parameters = models.JSONField(default=dict, blank=True, validators=[validate_param_schema])
    output = models.JSONField(null=True, blank=True, validators=[validate_param_schema])
    parameter_delivery = models.CharField(
        max_length=8, choices=ParameterDelivery.choices, default=ParameterDelivery.STDIN
    )
    parameter_format = models.CharField(
        max_length=8, choices=ParameterFormat.choices, default=ParameterFormat.JSON
    )
    output_format = models.CharField(max_length=8, choices=OutputFormat.choices, default=OutputFormat.TEXT)
    # Seconds; null means ATTUNE_DEFAULT_ACTION_TIMEOUT.
    timeout = models.PositiveIntegerField(null=True, blank=True, validators=[validate_timeout])
    tags = TagsField()
    # Set for the companion action of an action-linked workflow (runner_type `workflow`).
    workflow = models.OneToOneField(
        "workflows.Workflow", null=True, blank=True, on_delete=models.CASCADE, related_name="action"
    )
    # The action file a pack load read this action from, as read (empty for API-made actions).
    source_path = models.CharField(max_length=1024, blank=True, default="", editable=False)
    source_text = models.TextField(blank=True, default="", editable=False)
    source_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    # A workflow action's load stamp, as its workflow's (workflows.models.Workflow.load_stamp).
    load_stamp = models.CharField(max_length=64, blank=True, default="", editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ref"]

    def __str__(self):
        return self.ref

    @property
    def pack_ref(self) -> str:
        return self.pack.ref

    def clean(self):
        """Rules across fields; the API serializers, the admin and the loader all call this."""
        errors = {}
        if self.pack_id and self.ref and not self.ref.startswith(f"{self.pack.ref}."):
            errors["ref"] = f"Action ref must start with its pack's ref: '{self.pack.ref}.<name>'."
        if self.pack_id:
            problems = runner_problems(self.pack.ref, self.runner_type, self.entry_point)
            if problems:
                errors["entry_point"] = problems
        if (self.runner_type == self.RunnerType.WORKFLOW) != (self.workflow_id is not None):
            errors["workflow"] = "Exactly the actions of runner_type 'workflow' have a workflow."
        if errors:
            raise ValidationError(errors)
