from django import forms
from django.contrib import admin, messages

from attune.admin_forms import PrettyJSONField, TagsFormField
from workflows.models import Workflow


class WorkflowForm(forms.ModelForm):
    """Model validation (Workflow.full_clean) applies the same validators as the API."""

    tags = TagsFormField()

    class Meta:
        model = Workflow
        fields = (
            "ref",
            "pack",
            "label",
            "description",
            "version",
            "enabled",
            "tags",
            "param_schema",
            "out_schema",
            "definition",
        )
        field_classes = {
            "definition": PrettyJSONField,
            "param_schema": PrettyJSONField,
            "out_schema": PrettyJSONField,
        }


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowForm
    list_display = ("ref", "pack", "label", "version", "enabled", "tag_list", "updated")
    list_filter = ("enabled", "pack")
    # tags__tag_icontains searches inside the tag list in the database (attune.fields).
    search_fields = ("ref", "label", "description", "tags__tag_icontains")
    list_select_related = ("pack",)
    readonly_fields = ("created", "updated")
    actions = ["enable_workflows", "disable_workflows"]

    @admin.display(description="Tags")
    def tag_list(self, workflow):
        return ", ".join(workflow.tags)

    @admin.action(description="Enable selected workflows", permissions=["change"])
    def enable_workflows(self, request, queryset):
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable selected workflows", permissions=["change"])
    def disable_workflows(self, request, queryset):
        self._set_enabled(request, queryset, False)

    def _set_enabled(self, request, queryset, enabled: bool):
        count = queryset.update(enabled=enabled)
        state = "enabled" if enabled else "disabled"
        self.message_user(request, f"{count} workflow(s) {state}.", messages.SUCCESS)
