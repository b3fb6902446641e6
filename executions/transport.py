"""Delivering "run execution N" to a worker; the database, not the transport, is the truth.

`dispatch(ids)` is called once the transaction that scheduled the runs has committed. A lost
message is re-dispatched by the sweeper and a duplicate is refused by the claim, so no
transport needs to be reliable for correctness, only for speed (docs/workers.md).
"""

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from executions import lifecycle, wake
from executions.models import Execution, Status

log = logging.getLogger(__name__)
_inline = threading.local()
_handoff = threading.local()


class HandOff:
    """A worker thread's offer, while it runs one execution, to run next one of the runs its
    end schedules (a workflow's next task): that run is created already claimed by the worker,
    in the transaction that schedules it, instead of announced and claimed later.

    So a chain's next task costs no claim statements, no claim loop and no broker round
    trip. A crash after the commit leaves a running row whose lease runs out: the sweeper
    abandons it (a failed attempt, retried per the task's `retry`), as for any claimed run.
    """

    def __init__(self, worker: str, queues: Callable[[], list[str]]):
        self.worker = worker
        self._queues = queues  # the queues the thread may still take a run from ([] when stopping)
        self._offered = False
        self.next: Execution | None = None  # the run claimed, once its transaction committed

    def claim(self, rows: list[Execution]) -> Execution | None:
        """Before the INSERT: the first due scheduled row on a queue the thread serves becomes
        the worker's, running under its lease; at most one per hand-off."""
        if self._offered:
            return None
        now = timezone.now()
        due = [row for row in rows if row.status == Status.SCHEDULED and row.run_after <= now]
        queues = self._queues() if due else []
        row = next((row for row in due if row.queue in queues), None)
        if row is None:
            return None
        self._offered = True
        for field, value in lifecycle.lease_fields(self.worker, now).items():
            setattr(row, field, value)
        transaction.on_commit(lambda: setattr(self, "next", row))
        return row


@contextlib.contextmanager
def handing_off(worker: str, queues: Callable[[], list[str]]):
    """The HandOff of the calling worker thread while it runs one execution."""
    _handoff.current = HandOff(worker, queues)
    try:
        yield _handoff.current
    finally:
        _handoff.current = None


def current_handoff() -> HandOff | None:
    return getattr(_handoff, "current", None)


def dispatch_on_commit(execution_ids: list[int]) -> None:
    ids = list(execution_ids)
    if ids:
        transaction.on_commit(lambda: dispatch(ids))


def dispatch(execution_ids: list[int]) -> None:
    transport = settings.ATTUNE_ENGINE_TRANSPORT
    if transport == "inline":
        run_inline(execution_ids)
        return
    if transport == "celery" and not _publish(execution_ids):
        return  # not marked as dispatched: the sweeper tries again
    # embedded: the worker's claim loop finds scheduled rows itself (within its poll interval);
    # the mark only records that the run was announced. Marked after publishing, whatever the
    # status: a worker may have claimed the run already.
    Execution.objects.filter(id__in=execution_ids).update(dispatched_at=timezone.now())
    if transport == "embedded":
        wake.notify()


def _publish(execution_ids: list[int]) -> bool:
    """One Celery message per run, on the run's queue; False when the broker refused."""
    # Imported here: Celery is loaded only by processes that use the Celery transport.
    from executions.tasks import run_execution

    queues = dict(Execution.objects.filter(id__in=execution_ids).values_list("id", "queue"))
    try:
        for execution_id in execution_ids:
            if execution_id in queues:
                run_execution.apply_async([execution_id], queue=queues[execution_id])
    except Exception:  # the row is committed; a broker outage must not fail the caller's request
        log.exception("could not publish executions %s; the sweeper will re-dispatch them", execution_ids)
        return False
    return True


def run_inline(execution_ids: list[int]) -> None:
    """The inline transport (tests, `run_workflow` without a worker): run in this thread.

    A run's end advances its workflow, which dispatches the next runs from inside this call:
    those join the queue of the outermost call instead of nesting, so a 1,000-task chain
    does not grow the stack.
    """
    from executions.worker import run_inline as run_one

    pending = getattr(_inline, "pending", None)
    if pending is not None:
        pending.extend(execution_ids)
        return
    _inline.pending = deque(execution_ids)
    try:
        while _inline.pending:
            run_one(_inline.pending.popleft())
    finally:
        _inline.pending = None
