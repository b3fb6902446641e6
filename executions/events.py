"""The append-only event log of an execution tree: what live progress (SSE) and audits read.

Events are written in the transaction that made the change, so a reader never sees an event
for a change that was rolled back, and never misses one that committed.
"""

from executions.models import Execution, ExecutionEvent


def record(root_id: int, execution_id: int, kind: str, payload: dict) -> None:
    ExecutionEvent.objects.create(root_id=root_id, execution_id=execution_id, kind=kind, payload=payload)


def record_many(events: list[tuple[int, int, str, dict]]) -> None:
    """`(root_id, execution_id, kind, payload)` tuples, in one INSERT."""
    if events:
        ExecutionEvent.objects.bulk_create(
            ExecutionEvent(root_id=root, execution_id=execution, kind=kind, payload=payload)
            for root, execution, kind, payload in events
        )


def status_changed(execution_ids) -> None:
    """A `status` event for each execution's current status (one SELECT, one INSERT).

    Called in the transaction that changed the status, so the stream shows exactly the
    changes that committed, in order.
    """
    ids = list(execution_ids)
    if not ids:
        return
    record_status(
        Execution.objects.filter(id__in=ids).only(
            "id", "root_id", "parent_id", "status", "action_ref", "task_name", "attempt"
        )
    )


def record_status(executions) -> None:
    """A `status` event for each of `executions` as loaded (one INSERT, no SELECT): for
    callers that hold the rows they just changed."""
    record_many(status_rows(executions))


def status_rows(executions) -> list[tuple[int, int, str, dict]]:
    """The `status` events of `executions` as loaded, for record_many."""
    return [status_row(execution) for execution in sorted(executions, key=lambda execution: execution.id)]


def status_row(execution, status: str | None = None) -> tuple[int, int, str, dict]:
    """The `status` event of `execution` (in `status`, when given, instead of its own)."""
    payload = status_payload(
        id=execution.id,
        status=status or execution.status,
        action_ref=execution.action_ref,
        parent_id=execution.parent_id,
        task_name=execution.task_name,
        attempt=execution.attempt,
    )
    return (execution.root_id or execution.id, execution.id, "status", payload)


def status_payload(*, id, status, action_ref, parent_id, task_name, attempt) -> dict:
    """A `status` event's payload: what the stream and `run_workflow --wait` read."""
    return {
        "id": id,
        "status": status,
        "action_ref": action_ref,
        "parent": parent_id,
        "task_name": task_name,
        "attempt": attempt,
    }
