"""Inquiries (Attune's human-approval questions): created by a task run, answered over the API.

`create_for_run` is what `core.ask` calls: one inquiry per task run (a retried or duplicated
delivery of the same run gets the same inquiry back). `respond` is the one way to answer, used
by the API and the admin: the body is validated against the inquiry's schema (flat or JSON
Schema, executions/parameters.py), then a compare-and-set moves it pending → responded, so two
answers racing each other give one 200 and one 409. After the commit the engine is told
(`executions.orchestration.inquiry_changed`) so a task waiting on it can start.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from executions.models import TERMINAL, Execution, Inquiry, InquiryStatus, Status
from executions.parameters import ParametersInvalid, resolve_parameters

RESPOND_PERMISSION = "executions.respond_inquiry"


class InquiryRefused(Exception):
    """An answer that cannot be taken; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        self.message = message
        self.errors = errors or {}
        super().__init__(message)


class NotPermitted(InquiryRefused):
    status = 403


class AlreadyClosed(InquiryRefused):
    status = 409


class ResponseInvalid(InquiryRefused):
    status = 400


def create_for_run(execution_id: int, prompt: str, schema: dict, assigned_to: str | None, timeout) -> Inquiry:
    """The inquiry of this run, created on first call (idempotent per run)."""
    existing = Inquiry.objects.filter(execution_id=execution_id).order_by("id").first()
    if existing is not None:
        return existing
    run = Execution.objects.get(pk=execution_id)
    user = None
    if assigned_to:
        user = get_user_model().objects.filter(username=assigned_to).first()
        if user is None:
            raise InquiryRefused(f"assigned_to: no user '{assigned_to}'")
    timeout_at = timezone.now() + timedelta(seconds=float(timeout)) if timeout else None
    with transaction.atomic():
        # The run's row lock serialises two deliveries of the same run.
        Execution.objects.select_for_update().filter(pk=execution_id).first()
        existing = Inquiry.objects.filter(execution_id=execution_id).order_by("id").first()
        if existing is not None:
            return existing
        return Inquiry.objects.create(
            execution=run,
            task=run.task_name,
            prompt=prompt or "",
            schema=schema or {},
            assigned_to=user,
            timeout_at=timeout_at,
        )


def respond(inquiry_id: int, response, user) -> Inquiry:
    """Answer a pending inquiry as `user`, or InquiryRefused (see the subclasses)."""
    if not user.has_perm(RESPOND_PERMISSION):
        raise NotPermitted(f"Responding needs the permission '{RESPOND_PERMISSION}'.")
    inquiry = Inquiry.objects.select_related("execution").get(pk=inquiry_id)
    if inquiry.assigned_to_id is not None and inquiry.assigned_to_id != user.pk and not user.is_superuser:
        raise NotPermitted(f"Inquiry {inquiry.id} is assigned to someone else.")
    if inquiry.status != InquiryStatus.PENDING:
        raise AlreadyClosed(f"Inquiry {inquiry.id} is {inquiry.status}: it cannot be answered again.")
    _refuse_when_workflow_done(inquiry)
    if not isinstance(response, dict):
        raise ResponseInvalid("The response must be a JSON object.", {"response": ["Must be a JSON object."]})
    try:
        answer = resolve_parameters(inquiry.schema or {}, response)
    except ParametersInvalid as exc:
        raise ResponseInvalid(
            "The response does not match the inquiry's schema.",
            {f"response.{name}": messages for name, messages in exc.errors.items()},
        ) from None
    now = timezone.now()
    with transaction.atomic():
        changed = Inquiry.objects.filter(pk=inquiry.id, status=InquiryStatus.PENDING).update(
            status=InquiryStatus.RESPONDED, response=answer, responded_by=user, responded_at=now, updated=now
        )
        if not changed:
            inquiry.refresh_from_db()
            raise AlreadyClosed(f"Inquiry {inquiry.id} is {inquiry.status}: it cannot be answered again.")
        inquiry.refresh_from_db()
        transaction.on_commit(lambda: _tell_engine(inquiry))
    return inquiry


def _refuse_when_workflow_done(inquiry: Inquiry) -> None:
    workflow_id = inquiry.execution.parent_id
    if workflow_id is None:
        return
    status = Execution.objects.filter(pk=workflow_id).values_list("status", flat=True).first()
    if status in TERMINAL or status == Status.CANCELING:
        raise AlreadyClosed(
            f"The workflow execution {workflow_id} is {status}: the inquiry cannot be answered."
        )


def _tell_engine(inquiry: Inquiry) -> None:
    # Imported late: persistence imports this module's callers, and a standalone inquiry
    # (an action run outside any workflow) needs no engine at all.
    try:
        from executions.orchestration import inquiry_changed
    except ImportError:
        return
    inquiry_changed(inquiry)


def as_dict(inquiry: Inquiry) -> dict:
    """The inquiry as the conductor's InquiryResolved event and `inquiry.<task>` read it."""
    return {
        "id": inquiry.id,
        "status": inquiry.status,
        "response": inquiry.response,
        "assigned_to": inquiry.assigned_to.username if inquiry.assigned_to else None,
        "responded_by": inquiry.responded_by.username if inquiry.responded_by else None,
        "responded_at": inquiry.responded_at.isoformat() if inquiry.responded_at else None,
        "timeout_at": inquiry.timeout_at.isoformat() if inquiry.timeout_at else None,
    }
