from django.core.exceptions import ValidationError
from django.db import models

from attune.fields import TagsField
from attune.models import Revisioned
from attune.validators import (
    WORKFLOW_VERSION_MAX,
    validate_param_schema,
    validate_workflow_ref,
    validate_workflow_version,
)
from workflows.validation import validate_definition


class Workflow(Revisioned):
    """A workflow definition: a task graph owned by a pack, addressed by `<pack>.<name>`."""

    ref = models.CharField(max_length=193, unique=True, validators=[validate_workflow_ref])
    pack = models.ForeignKey("packs.Pack", on_delete=models.CASCADE, related_name="workflows")
    label = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    # Opaque, as in Attune: "1.0" is as good as "1.0.0" (pack versions stay semver).
    version = models.CharField(max_length=WORKFLOW_VERSION_MAX, validators=[validate_workflow_version])
    param_schema = models.JSONField(null=True, blank=True, validators=[validate_param_schema])
    out_schema = models.JSONField(null=True, blank=True, validators=[validate_param_schema])
    definition = models.JSONField(validators=[validate_definition])
    tags = TagsField()
    enabled = models.BooleanField(default=True)
    # The files a pack load read this workflow from, as read: the graph file and, for the
    # action-linked layout, the action metadata file. Paths are relative to the pack.
    source_path = models.CharField(max_length=1024, blank=True, default="", editable=False)
    source_text = models.TextField(blank=True, default="", editable=False)
    source_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    metadata_path = models.CharField(max_length=1024, blank=True, default="", editable=False)
    metadata_text = models.TextField(blank=True, default="", editable=False)
    metadata_sha256 = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Vouches that this row is what validating its files produced: a hash of the files, the
    # load key (validator, loader, pack.yaml defaults) and this row's revision, so any other
    # write (which bumps the revision) voids it. See packs/ondisk/stamps.py.
    load_stamp = models.CharField(max_length=64, blank=True, default="", editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["label", "ref"]
        indexes = [
            # Serves the list endpoints' ORDER BY label, ref with LIMIT/OFFSET.
            models.Index(fields=["label", "ref"], name="workflow_label_ref_idx"),
            # Serves `?enabled=` combined with the default ordering.
            models.Index(fields=["enabled", "label", "ref"], name="workflow_enabled_idx"),
        ]
        # A GIN index on tags (PostgreSQL only) is created in migration 0002.

    def __str__(self):
        return self.ref

    @property
    def pack_ref(self) -> str:
        return self.pack.ref

    def clean(self):
        """Rules across fields; the API serializers and the admin forms both call this."""
        if self.pack_id and self.ref and not self.ref.startswith(f"{self.pack.ref}."):
            raise ValidationError(
                {"ref": f"Workflow ref must start with its pack's ref: '{self.pack.ref}.<name>'."}
            )
