"""Executions in the admin: a changelist with a bulk cancel, a read-only page per execution
(parameters redacted, output masked, the live task graph, its task runs, the inquiries it
waits for) with Cancel / Re-run / respond buttons, a read-only inquiry list, and a form to
run an action. What the buttons do lives in executions/admin_console.py."""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from actions.models import Action
from executions import admin_console, service
from executions.models import TERMINAL, Execution, Inquiry, Status
from executions.redaction import shown_result
from packs.models import Pack

# Badge backgrounds under white text: each has a contrast of at least 4.5:1 with white, and
# a badge carries its own background, so it reads the same on the light and the dark theme.
STATUS_COLOURS = {
    Status.COMPLETED: "#2e7d32",
    Status.FAILED: "#c62828",
    Status.TIMEOUT: "#c62828",
    Status.ABANDONED: "#6d4c41",
    Status.CANCELLED: "#616161",
    Status.CANCELING: "#616161",
    Status.RUNNING: "#1565c0",
}
WAITING_COLOUR = "#a14a00"  # requested, scheduling, scheduled


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


class FinishedFilter(admin.SimpleListFilter):
    """By when a run ended: the dashboard's "failed in the last 24 h" links here."""

    title = "finished"
    parameter_name = "finished"
    PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [("24h", "In the last 24 hours"), ("7d", "In the last 7 days")]

    def queryset(self, request, queryset):
        period = self.PERIODS.get(self.value())
        return queryset.filter(finished_at__gte=timezone.now() - period) if period else queryset


def status_badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, WAITING_COLOUR)
    return format_html(
        '<span class="execution-status" style="background: {}; color: #fff; padding: 1px 6px; '
        'border-radius: 3px; font-weight: bold">{}</span>',
        colour,
        status,
    )


def method_decorator_post(view):
    return method_decorator(require_POST)(view)


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
    list_display = ("id", "ref", "status_badge", "executor", "started_at", "duration")
    list_filter = (
        "status", PackFilter, ("started_at", admin.DateFieldListFilter), FinishedFilter, TopLevelFilter,
    )  # fmt: skip
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
        return request.user.has_perm("executions.change_execution")  # as the API's cancel

    @admin.display(description="workflow / action", ordering="action_ref")
    def ref(self, execution):
        return execution.action_ref

    @admin.display(description="status", ordering="status")
    def status_badge(self, execution):
        return status_badge(execution.status)

    @admin.display(description="duration")
    def duration(self, execution):
        return admin_console.duration_text(execution)

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
        for execution in queryset.order_by("id"):
            self.message_user(request, admin_console.cancel_outcome(execution), messages.INFO)

    def get_urls(self):
        def view(function, suffix, name):
            return path(suffix, self.admin_site.admin_view(function), name=f"executions_execution_{name}")

        return [
            view(self.run_view, "run/", "run"),
            view(self.status_view, "<int:object_id>/status/", "status"),
            view(self.cancel_view, "<int:object_id>/cancel/", "cancel"),
            view(self.rerun_view, "<int:object_id>/rerun/", "rerun"),
            view(self.respond_view, "<int:object_id>/respond/<int:inquiry_id>/", "respond"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if service.may_execute(request.user):
            extra_context = {**(extra_context or {}), "run_url": reverse("admin:executions_execution_run")}
        return super().changelist_view(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # change_view has checked the view permission
            context = {**context, **self.console_context(request, obj)}
        return super().render_change_form(request, context, add, change, form_url, obj)

    def console_context(self, request, execution):
        """The live parts of the page: graph, variables, task runs, inquiries, buttons."""
        inquiries_waiting = list(admin_console.waiting_inquiries(execution))
        return {
            **self.live_parts_context(execution),
            "execution": execution,
            "execution_status_badge": status_badge(execution.status),
            "execution_terminal": execution.is_terminal,
            "status_url": reverse("admin:executions_execution_status", args=[execution.id]),
            "graph_url": admin_console.graph_url(execution),
            "waiting_inquiries": [
                (inquiry, json.dumps(inquiry.schema or {}, indent=2, sort_keys=True))
                for inquiry in inquiries_waiting
            ],
            "waiting_inquiry_ids": admin_console.id_list(inquiries_waiting),
            "may_cancel": self.has_cancel_permission(request) and not execution.is_terminal,
            "may_rerun": service.may_execute(request.user),
        }

    @staticmethod
    def live_parts_context(execution) -> dict:
        """What live_parts.html shows: rendered with the page, and again for each poll."""
        variables = admin_console.variables_of(execution)
        return {
            "variables_json": None if variables is None else json.dumps(variables, indent=2, sort_keys=True),
            "task_runs": admin_console.task_runs(execution),
            "task_runs_limit": admin_console.TASK_RUNS_SHOWN,
        }

    def _viewable(self, request, object_id) -> Execution:
        execution = get_object_or_404(Execution, pk=object_id)
        if not self.has_view_permission(request, execution):
            raise PermissionDenied
        return execution

    def status_view(self, request, object_id):
        """The poll of the execution page: its status, the waiting inquiries' ids (the page
        reloads when they change) and the variables and task runs as HTML to swap in."""
        execution = self._viewable(request, object_id)
        return JsonResponse(
            {
                "status": execution.status,
                "terminal": execution.status in TERMINAL,
                "waiting_inquiries": admin_console.id_list(admin_console.waiting_inquiries(execution)),
                "live_parts_html": render_to_string(
                    "admin/executions/execution/live_parts.html", self.live_parts_context(execution), request
                ),
            }
        )

    @method_decorator_post
    def cancel_view(self, request, object_id):
        execution = self._viewable(request, object_id)
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        self.message_user(request, admin_console.cancel_outcome(execution), messages.INFO)
        return redirect("admin:executions_execution_change", execution.id)

    @method_decorator_post
    def rerun_view(self, request, object_id):
        execution = self._viewable(request, object_id)
        if not service.may_execute(request.user):
            raise PermissionDenied
        try:
            started = admin_console.rerun(execution, request.user)
        except service.ExecutionRefused as refused:
            problems = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in refused.errors.items())
            self.message_user(request, f"Not started: {refused.message} {problems}".strip(), messages.ERROR)
            return redirect("admin:executions_execution_change", execution.id)
        self.message_user(
            request, f"Execution {started.id} of {started.action_ref} started with the same parameters."
        )
        return redirect("admin:executions_execution_change", started.id)

    @method_decorator_post
    def respond_view(self, request, object_id, inquiry_id):
        execution = self._viewable(request, object_id)
        answered, sentence = admin_console.respond_outcome(
            inquiry_id, request.POST.get("response", ""), request.user
        )
        self.message_user(request, sentence, messages.SUCCESS if answered else messages.ERROR)
        return redirect("admin:executions_execution_change", execution.id)

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


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    """Read-only: answers go through the execution page (or the API), never a row edit."""

    list_display = ("id", "task", "prompt", "status", "execution_link", "assigned_to", "created")
    list_filter = ("status",)
    search_fields = ("=id", "task", "prompt")
    list_select_related = ("execution", "assigned_to")
    fields = (
        "id", "execution_link", "task", "prompt", "schema", "status", "assigned_to", "responded_by",
        "response", "timeout_at", "responded_at", "created", "updated",
    )  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="asked by")
    def execution_link(self, inquiry):
        # The run's workflow execution, where the answer form is; the run itself otherwise.
        target = inquiry.execution.parent_id or inquiry.execution_id
        url = reverse("admin:executions_execution_change", args=[target])
        return format_html('<a href="{}">execution {}</a>', url, target)
