"""The append-only event log of an execution tree: what live progress (SSE) and audits read.

Events are written in the transaction that made the change, so a reader never sees an event
for a change that was rolled back, and never misses one that committed.
"""

from executions.models import ExecutionEvent


def record(root_id: int, execution_id: int, kind: str, payload: dict) -> None:
    ExecutionEvent.objects.create(root_id=root_id, execution_id=execution_id, kind=kind, payload=payload)


def record_many(events: list[tuple[int, int, str, dict]]) -> None:
    """`(root_id, execution_id, kind, payload)` tuples, in one INSERT."""
    if events:
        ExecutionEvent.objects.bulk_create(
            ExecutionEvent(root_id=root, execution_id=execution, kind=kind, payload=payload)
            for root, execution, kind, payload in events
        )
