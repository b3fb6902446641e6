"""Executions in the admin: read-only pages (parameters redacted, output with secrets
masked), a cancel action, and a form to run an action through the API's service."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from actions.models import Action
from executions import lifecycle, service
from executions.models import Execution, Status
from executions.redaction import shown_result
from packs.models import Pack

STATUS_COLOURS = {
    Status.COMPLETED: "#2e7d32",
    Status.FAILED: "#c62828",
    Status.TIMEOUT: "#c62828",
    Status.ABANDONED: "#6d4c41",
    Status.CANCELLED: "#757575",
    Status.CANCELING: "#757575",
    Status.RUNNING: "#1565c0",
}


class PackFilter(admin.SimpleListFilter):
    """By the ref's pack part, so runs of a deleted action still filter by their pack."""

    title = "pack"
    parameter_name = "pack"

    def lookups(self, request, model_admin):
        return [(ref, ref) for ref in Pack.objects.order_by("ref").values_list("ref", flat=True)]

    def queryset(self, request, queryset):
        return queryset.filter(action_ref__startswith=f"{self.value()}.") if self.value() else queryset


class TopLevelFilter(admin.SimpleListFilter):
    title = "top level"
    parameter_name = "top_level"

    def lookups(self, request, model_admin):
        return [("yes", "Top-level only"), ("no", "Children only")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(parent__isnull=self.value() == "yes")
        return queryset


def _pre(text) -> str:
    return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


class RunActionForm(forms.Form):
    action = forms.ModelChoiceField(queryset=Action.objects.filter(enabled=True).select_related("pack"))
    parameters = forms.JSONField(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80, "style": "font-family: monospace"}),
        help_text="A JSON object; the action's schema defaults fill in the rest.",
    )
    timeout_seconds = forms.IntegerField(required=False, min_value=1, max_value=service.MAX_TIMEOUT_SECONDS)

    def clean_parameters(self):
        value = self.cleaned_data.get("parameters")
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError("Must be a JSON object.")
        return value or {}


@admin.register(Execution)
class ExecutionAdmin(admin.ModelAdmin):
    list_display = ("id", "action_ref", "status_badge", "executor", "started_at", "duration")
    list_filter = ("status", PackFilter, ("created", admin.DateFieldListFilter), TopLevelFilter)
    search_fields = ("action_ref", "=id")
    list_select_related = ("executor",)
    actions = ["cancel_selected"]
    # Never `input` or `env_vars`: the real parameters and the caller's environment.
    fields = (
        "id", "action_ref", "action", "status_badge", "executor", "parent", "original_execution",
        "parameters", "result_shown", "stdout", "stderr", "worker", "queue", "attempt", "max_retries",
        "timeout_seconds", "cancel_requested", "created", "started_at", "finished_at", "duration", "updated",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # runs start through "Run an action" (the service), not a bare row

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request):
        return request.user.has_perm("executions.change_execution")

    @admin.display(description="status", ordering="status")
    def status_badge(self, execution):
        colour = STATUS_COLOURS.get(execution.status, "#ef6c00")
        return format_html('<strong style="color: {}">{}</strong>', colour, execution.status)

    @admin.display(description="duration")
    def duration(self, execution):
        ms = execution.duration_ms
        return "-" if ms is None else f"{ms / 1000:.2f} s"

    @admin.display(description="parameters (secrets redacted)")
    def parameters(self, execution):
        return _pre(json.dumps(execution.config, indent=2, sort_keys=True))

    @admin.display(description="result")
    def result_shown(self, execution):
        result = shown_result(execution)
        if isinstance(result, dict):
            result = {key: value for key, value in result.items() if key not in ("stdout", "stderr")}
        return "-" if result is None else _pre(json.dumps(result, indent=2, sort_keys=True))

    @admin.display(description="stdout")
    def stdout(self, execution):
        return _pre((shown_result(execution) or {}).get("stdout") or "")

    @admin.display(description="stderr")
    def stderr(self, execution):
        return _pre((shown_result(execution) or {}).get("stderr") or "")

    @admin.action(description="Cancel selected executions", permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        cancelled, finished = 0, 0
        for execution in queryset:
            try:
                lifecycle.request_cancel(execution)
                cancelled += 1
            except lifecycle.AlreadyFinished:
                finished += 1
        self.message_user(request, f"Cancellation requested for {cancelled} execution(s).", messages.SUCCESS)
        if finished:
            self.message_user(request, f"{finished} had already finished.", messages.WARNING)

    def get_urls(self):
        run = path("run/", self.admin_site.admin_view(self.run_view), name="executions_execution_run")
        return [run, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        if service.may_execute(request.user):
            extra_context = {**(extra_context or {}), "run_url": reverse("admin:executions_execution_run")}
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        """Run an action: the same checks as `POST /executions/execute`, as this user."""
        if not service.may_execute(request.user):
            raise PermissionDenied
        form = RunActionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                execution = service.start_execution(
                    data["action"],
                    data["parameters"],
                    executor=request.user,
                    timeout_seconds=data["timeout_seconds"],
                )
            except service.ExecutionRefused as refused:
                form.add_error(None, refused.message)
                for field, problems in refused.errors.items():
                    form.add_error(None, f"{field}: {'; '.join(problems)}")
            else:
                self.message_user(request, f"Execution {execution.id} of {execution.action_ref} started.")
                return redirect("admin:executions_execution_change", execution.id)
        context = {
            **self.admin_site.each_context(request),
            "title": "Run an action",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/executions/run_action.html", context)
