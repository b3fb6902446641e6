from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from actions.companions import follow_enabled, follow_workflow
from attune.admin_forms import TagsFormField, YamlOrJSONField
from attune.admin_guard import RevisionGuardedAdmin, RevisionGuardedForm
from attune.admin_readonly import PrettyReadOnlyJSON
from attune.yamlio import YamlError, load_yaml
from executions import service
from packs.admin_source import source_context
from workflows.execution_picture import PICTURE_THEME_CSS, definition_picture
from workflows.models import Workflow
from workflows.picture import THEME_NAMES
from workflows.run_form import RunWorkflowForm, start_from_form
from workflows.serializers import known_actions, workflow_exists
from workflows.validation import check_definition


class WorkflowForm(RevisionGuardedForm):
    """Model validation (Workflow.full_clean) applies the same validators as the API."""

    tags = TagsFormField()

    def clean_definition(self):
        """Judge the definition as the API does, with the line of each problem in the text."""
        definition = self.cleaned_data.get("definition")
        try:
            doc = load_yaml(self.data.get(self.add_prefix("definition")) or "")  # JSON is YAML too
        except YamlError:
            doc = None
        # The API's checks, sub-workflow and action look-ups included (W401, W402).
        report = check_definition(
            definition,
            param_schema=self.cleaned_data.get("param_schema"),
            workflow_exists=workflow_exists,
            known_actions=known_actions,
            doc=doc,
        )
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
            "definition": YamlOrJSONField,
            "param_schema": YamlOrJSONField,
            "out_schema": YamlOrJSONField,
        }


def _located(diagnostic) -> str:
    where = f"line {diagnostic.line}, column {diagnostic.column}: " if diagnostic.line else ""
    return f"{where}{diagnostic.code} at {diagnostic.path or '/'}: {diagnostic.message}"


@admin.register(Workflow)
class WorkflowAdmin(PrettyReadOnlyJSON, RevisionGuardedAdmin):
    form = WorkflowForm
    pretty_json_fields = ("definition", "param_schema", "out_schema")
    list_display = ("ref", "pack", "label", "version", "enabled", "tag_list", "updated")
    list_filter = ("enabled", "pack")
    # tags__tag_icontains searches inside the tag list in the database (attune.fields).
    search_fields = ("ref", "label", "description", "tags__tag_icontains")
    list_select_related = ("pack",)
    readonly_fields = ("picture", "source_path", "created", "updated")
    actions = ["enable_workflows", "disable_workflows"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        follow_workflow(obj)  # its companion action, when it is action-linked
        for warning in getattr(form, "definition_warnings", []):
            self.message_user(request, f"Warning: {warning}", messages.WARNING)

    @admin.display(description="Task graph")
    def picture(self, workflow):
        # Both themes inline (one dot layout, cached), the one matching the admin's shown by
        # PICTURE_THEME_CSS: no script, and the links to child workflows stay clickable.
        # graph_svg escapes every text it draws from the definition.
        if not workflow.pk:
            return "-"
        pictures = "".join(
            f'<div class="task-graph task-graph-{theme}">'
            f"{definition_picture(workflow.definition, workflow.ref, theme=theme)}</div>"
            for theme in THEME_NAMES
        )
        return mark_safe(PICTURE_THEME_CSS + pictures)  # noqa: S308

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

    def get_urls(self):
        run = path(
            "<path:object_id>/run/", self.admin_site.admin_view(self.run_view), name="workflows_workflow_run"
        )
        return [run, *super().get_urls()]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The language reference and the JSON Schema of definitions, beside the editor.
        extra_context = {
            **(extra_context or {}),
            "language_reference_url": reverse("language-reference"),
            "language_schema_url": reverse("workflow-language-schema"),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            **source_context(self.get_object(request, unquote(object_id))),
        }
        if service.may_execute(request.user):
            extra_context["run_url"] = reverse("admin:workflows_workflow_run", args=[object_id])
        return super().change_view(request, object_id, form_url, extra_context)

    def run_view(self, request, object_id):
        """Run the workflow as this user: the API's execute permission and checks."""
        workflow = self.get_object(request, unquote(object_id))
        if not service.may_execute(request.user) or not self.has_view_or_change_permission(request, workflow):
            raise PermissionDenied
        if workflow is None:
            raise Http404(f"No workflow with id {object_id}")
        data = request.POST if request.method == "POST" else None  # an empty POST is still a run
        form = RunWorkflowForm(workflow.param_schema, data)
        if form.is_valid():
            execution = start_from_form(form, workflow, request.user)
            if execution is not None:
                self.message_user(request, f"Started execution {execution.id}", messages.SUCCESS)
                return redirect("admin:executions_execution_change", execution.id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Run {workflow.ref}",
            "form": form,
            "opts": self.opts,
            "original": workflow,
        }
        return TemplateResponse(request, "admin/workflows/workflow/run.html", context)
