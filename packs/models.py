from django.core.exceptions import ValidationError
from django.db import models

from attune.fields import TagsField
from attune.models import Revisioned
from attune.validators import (
    config_problems,
    validate_labels,
    validate_list,
    validate_object,
    validate_pack_ref,
    validate_pack_ref_list,
    validate_param_schema,
    validate_semver,
    validate_string_list,
)


class Pack(Revisioned):
    """A versioned bundle of automation content (workflows, later actions and rules)."""

    ref = models.CharField(max_length=64, unique=True, validators=[validate_pack_ref])
    label = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    version = models.CharField(max_length=64, validators=[validate_semver])
    tags = TagsField()
    conf_schema = models.JSONField(default=dict, blank=True, validators=[validate_param_schema])
    config = models.JSONField(default=dict, blank=True, validators=[validate_object])
    meta = models.JSONField(default=dict, blank=True, validators=[validate_object])
    dependencies = models.JSONField(default=list, blank=True, validators=[validate_pack_ref_list])
    runtime_deps = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    is_standard = models.BooleanField(default=False)
    # Worker placement: stored now, used to route execution work once workers exist.
    worker_selector = models.JSONField(default=dict, blank=True, validators=[validate_labels])
    worker_tolerations = models.JSONField(default=list, blank=True, validators=[validate_list])
    worker_affinity = models.JSONField(default=dict, blank=True, validators=[validate_object])
    # Where the pack was loaded from, and its manifest as read (empty for API-made packs).
    source_dir = models.CharField(max_length=1024, blank=True, default="")
    manifest_text = models.TextField(blank=True, default="", editable=False)
    manifest_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ref"]
        # A GIN index on tags (PostgreSQL only) is created in migration 0002.

    def __str__(self):
        return self.ref

    def clean(self):
        """Rules across fields; the API serializers and the admin forms both call this."""
        errors = {}
        if self.ref and self.ref in (self.dependencies or []):
            errors["dependencies"] = "A pack cannot depend on itself."
        if isinstance(self.conf_schema, dict) and isinstance(self.config, dict):
            problems = config_problems(self.conf_schema, self.config)
            if problems:
                errors["config"] = [f"Does not match conf_schema: {p}" for p in problems]
        if errors:
            raise ValidationError(errors)
