"""Telling waiting workflows that an inquiry was answered, timed out or was cancelled."""

from django.db import transaction

from executions import conductor
from executions.models import Execution

from .advance import advance, feed, locked


def inquiry_changed(inquiry) -> None:
    """Feed the answer to every task waiting on `inquiry` in the workflows above its run."""
    from executions.inquiries import as_dict

    parent_id = inquiry.execution.parent_id
    for _ in range(64):
        if parent_id is None:
            return
        resolve_waits(parent_id, inquiry.id, as_dict(inquiry))
        parent_id = Execution.objects.filter(id=parent_id).values_list("parent_id", flat=True).first()


def resolve_waits(execution_id: int, inquiry_id: int, inquiry: dict) -> None:
    with transaction.atomic():
        workflow_execution = locked(execution_id)
        if workflow_execution is None:
            return
        waiting = [
            (name, task["activation"])
            for name, task in (workflow_execution.state.get("tasks") or {}).items()
            if task.get("status") == "waiting_inquiry" and str(task.get("inquiry_id")) == str(inquiry_id)
        ]
        # Listed first: each feed hands the state to the conductor, which changes it.
        for name, activation in waiting:
            feed(workflow_execution, conductor.InquiryResolved(name, activation, inquiry))
    advance(execution_id)
