from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.utils import timezone
from django.utils.safestring import mark_safe

from actions.companions import follow_enabled, follow_workflow
from attune.admin_forms import PrettyJSONField, TagsFormField
from attune.admin_guard import RevisionGuardedAdmin, RevisionGuardedForm
from attune.yamlio import YamlError, load_yaml
from workflows.models import Workflow
from workflows.picture import graph_svg
from workflows.validation import check_definition, describe_graph


class WorkflowForm(RevisionGuardedForm):
    """Model validation (Workflow.full_clean) applies the same validators as the API."""

    tags = TagsFormField()

    def clean_definition(self):
        """Judge the definition as the API does, with the line of each problem in the text."""
        definition = self.cleaned_data.get("definition")
        try:
            doc = load_yaml(self.data.get("definition") or "")  # JSON is YAML: same positions
        except YamlError:
            doc = None
        report = check_definition(definition, param_schema=self.cleaned_data.get("param_schema"), doc=doc)
        if report.errors:
            raise forms.ValidationError([_located(d) for d in report.errors])
        self.definition_warnings = [_located(d) for d in report.warnings]
        return report.definition

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


def _located(diagnostic) -> str:
    where = f"line {diagnostic.line}, column {diagnostic.column}: " if diagnostic.line else ""
    return f"{where}{diagnostic.code} at {diagnostic.path or '/'}: {diagnostic.message}"


@admin.register(Workflow)
class WorkflowAdmin(RevisionGuardedAdmin):
    form = WorkflowForm
    list_display = ("ref", "pack", "label", "version", "enabled", "tag_list", "updated")
    list_filter = ("enabled", "pack")
    # tags__tag_icontains searches inside the tag list in the database (attune.fields).
    search_fields = ("ref", "label", "description", "tags__tag_icontains")
    list_select_related = ("pack",)
    readonly_fields = ("picture", "created", "updated")
    actions = ["enable_workflows", "disable_workflows"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        follow_workflow(obj)  # its companion action, when it is action-linked
        for warning in getattr(form, "definition_warnings", []):
            self.message_user(request, f"Warning: {warning}", messages.WARNING)

    @admin.display(description="Task graph")
    def picture(self, workflow):
        # graph_svg escapes every text it draws from the definition.
        return mark_safe(graph_svg(describe_graph(workflow.definition), workflow.ref)) if workflow.pk else "-"  # noqa: S308

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
        follow_enabled(queryset, enabled)
        count = queryset.update(enabled=enabled, revision=F("revision") + 1, updated=timezone.now())
        state = "enabled" if enabled else "disabled"
        self.message_user(request, f"{count} workflow(s) {state}.", messages.SUCCESS)
