"""What the execution page of the admin shows and does, apart from the ModelAdmin's wiring.

Each operation calls the one implementation the API calls too (cancel:
`orchestration.cancel_execution`, answers: `inquiries.respond`, runs: `service.start_by_ref`)
and turns its outcome into a sentence for the operator.
"""

import json
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from executions import inquiries, lifecycle, orchestration, service
from executions.models import Execution, Inquiry, InquiryStatus, Kind, Status
from executions.redaction import shown_result
from executions.task_state import tasks_of

# A `with_items` task can have thousands of runs; the page lists the first ones.
TASK_RUNS_SHOWN = 500
ERROR_CHARS = 300
RECENT = timedelta(hours=24)
# What the table reads of a run (config, input and secret_texts to mask the secrets in its error).
TASK_RUN_FIELDS = (
    "id", "task_name", "action_ref", "item_index", "attempt", "status", "started_at", "finished_at",
    "result", "config", "input", "secret_texts",
)  # fmt: skip


def cancel_outcome(execution: Execution) -> str:
    """Cancel one execution the way the API does; what happened, in plain words."""
    try:
        execution = orchestration.cancel_execution(execution)
    except lifecycle.AlreadyFinished:
        return f"Execution {execution.id} ({execution.action_ref}) had already finished ({execution.status})."
    if execution.status == Status.CANCELLED:
        return f"Execution {execution.id} ({execution.action_ref}) was cancelled."
    return (
        f"Cancellation of execution {execution.id} ({execution.action_ref}) was requested: it is "
        f"{execution.status} until its running work stops."
    )


def rerun(execution: Execution, user) -> Execution:
    """A new execution of the same action or workflow with the same (real) parameters, started
    by `user` through the service, so the API's permission and validation rules apply.
    Raises service.ExecutionRefused."""
    if not service.may_execute(user):
        raise service.NotPermitted(f"Running needs the permission '{service.EXECUTE_PERMISSION}'.")
    return service.start_by_ref(execution.action_ref, dict(execution.input or {}), executor=user)


def parse_response(text: str):
    """The inquiry answer typed in the page; ResponseInvalid when it is not JSON."""
    try:
        return json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise inquiries.ResponseInvalid(
            f"The response is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None


def respond_outcome(inquiry_id: int, text: str, user) -> tuple[bool, str]:
    """Answer an inquiry from the page; (answered, the sentence to show)."""
    try:
        inquiry = inquiries.respond(inquiry_id, parse_response(text), user)
    except Inquiry.DoesNotExist:
        return False, f"There is no inquiry {inquiry_id}."
    except inquiries.InquiryRefused as refused:
        details = "; ".join(f"{field}: {' '.join(problems)}" for field, problems in refused.errors.items())
        return False, f"{refused.message} {details}".strip()
    return True, f"Inquiry {inquiry.id} was answered."


def waiting_inquiries(execution: Execution):
    """The pending inquiries asked by this execution, its task runs, or (top-level) its tree."""
    asked_here = Q(execution_id=execution.id) | Q(execution__parent_id=execution.id)
    if execution.parent_id is None:
        asked_here |= Q(execution__root_id=execution.id)
    return Inquiry.objects.filter(asked_here, status=InquiryStatus.PENDING).order_by("id")


def id_list(rows) -> str:
    """The ids of `rows` as "1,2,3": how the page and its poll compare the waiting inquiries."""
    return ",".join(str(row.id) for row in rows)


def task_runs(execution: Execution) -> list[dict]:
    """The rows of the task-runs table: one per run of a task, oldest first."""
    runs = Execution.objects.filter(parent_id=execution.id).order_by("id")[:TASK_RUNS_SHOWN]
    return [
        {
            "id": run.id,
            "task": run.task_name or run.action_ref,
            "action_ref": run.action_ref,
            "item": run.item_index,
            "attempt": run.attempt,
            "status": run.status,
            "duration": duration_text(run),
            "error": error_text(run),
        }
        for run in runs.only(*TASK_RUN_FIELDS)
    ]


def error_text(run: Execution) -> str:
    result = shown_result(run)
    error = result.get("error") if isinstance(result, dict) else None
    if not error:
        return ""
    text = error if isinstance(error, str) else json.dumps(error, sort_keys=True)
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def duration_text(execution: Execution) -> str:
    ms = execution.duration_ms
    return "-" if ms is None else f"{ms / 1000:.2f} s"


def variables_of(execution: Execution):
    """A workflow execution's variables masked as `GET /executions/{id}/tasks` shows them."""
    if execution.kind != Kind.WORKFLOW or not hasattr(execution, "workflow_execution"):
        return None
    return tasks_of(execution)["variables"]


def graph_url(execution: Execution) -> str | None:
    if execution.kind != Kind.WORKFLOW or not hasattr(execution, "workflow_execution"):
        return None
    return f"/api/v1/workflows/{execution.workflow_execution.workflow_ref}/graph.svg?execution={execution.id}"


def dashboard_counts() -> dict:
    """The admin index's counts: running now, failed in the last 24 h, inquiries waiting."""
    since = timezone.now() - RECENT
    counts = Execution.objects.aggregate(
        running=Count("id", filter=Q(status=Status.RUNNING)),
        failed=Count("id", filter=Q(status=Status.FAILED, finished_at__gte=since)),
    )
    counts["waiting"] = Inquiry.objects.filter(status=InquiryStatus.PENDING).count()
    return counts
