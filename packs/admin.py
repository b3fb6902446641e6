from django import forms
from django.contrib import admin
from django.db.models import Count

from attune.admin_forms import PrettyJSONField, TagsFormField
from packs.models import Pack
from workflows.models import Workflow

JSON_FIELDS = (
    "conf_schema",
    "config",
    "meta",
    "dependencies",
    "runtime_deps",
    "worker_selector",
    "worker_tolerations",
    "worker_affinity",
)


class PackForm(forms.ModelForm):
    tags = TagsFormField()

    class Meta:
        model = Pack
        fields = (
            "ref",
            "label",
            "description",
            "version",
            "tags",
            "is_standard",
            *JSON_FIELDS,
        )
        field_classes = {name: PrettyJSONField for name in JSON_FIELDS}


class WorkflowInline(admin.TabularInline):
    """The pack's workflows, read-only, each linking to its own change page."""

    model = Workflow
    fields = ("ref", "label", "version", "enabled")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0
    max_num = 0
    ordering = ("label", "ref")


@admin.register(Pack)
class PackAdmin(admin.ModelAdmin):
    form = PackForm
    list_display = ("ref", "label", "version", "workflow_count", "is_standard", "updated")
    list_filter = ("is_standard",)
    search_fields = ("ref", "label", "description")
    readonly_fields = ("created", "updated")
    inlines = [WorkflowInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workflow_count=Count("workflows"))

    @admin.display(description="Workflows", ordering="workflow_count")
    def workflow_count(self, pack):
        return pack.workflow_count
