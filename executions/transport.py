"""Delivering "run execution N" to a worker; the database, not the transport, is the truth.

`dispatch(ids)` is called once the transaction that scheduled the runs has committed. A lost
message is re-dispatched by the sweeper and a duplicate is refused by the claim, so no
transport needs to be reliable for correctness, only for speed (docs/workers.md).
"""

import contextlib
import logging
import threading
from collections import deque

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from executions import wake
from executions.models import Execution

log = logging.getLogger(__name__)
_inline = threading.local()
_handoff = threading.local()


@contextlib.contextmanager
def handing_off():
    """While a worker thread (embedded or Celery) runs one execution: the first run its work schedules
    (a workflow's next task) is kept for this thread to claim next, instead of announced.

    The thread claims it the moment it is free, without the round trip through the claim
    loop; if it cannot (another worker took it, a queue it does not serve) it announces it.
    A crash before that leaves a scheduled row, which the sweeper dispatches again.
    """
    kept: list[int] = []
    _handoff.kept = kept
    try:
        yield kept
    finally:
        _handoff.kept = None


def dispatch_on_commit(execution_ids: list[int]) -> None:
    ids = list(execution_ids)
    if ids:
        transaction.on_commit(lambda: dispatch(ids))


def dispatch(execution_ids: list[int]) -> None:
    transport = settings.ATTUNE_ENGINE_TRANSPORT
    if transport == "inline":
        run_inline(execution_ids)
        return
    execution_ids = _keep_one(execution_ids)  # for the worker thread that scheduled it
    if not execution_ids:
        return
    if transport == "celery" and not _publish(execution_ids):
        return  # not marked as dispatched: the sweeper tries again
    # embedded: the worker's claim loop finds scheduled rows itself (within its poll interval);
    # the mark only records that the run was announced. Marked after publishing, whatever the
    # status: a worker may have claimed the run already.
    Execution.objects.filter(id__in=execution_ids).update(dispatched_at=timezone.now())
    if transport == "embedded":
        wake.notify()


def _keep_one(execution_ids: list[int]) -> list[int]:
    kept = getattr(_handoff, "kept", None)
    if kept is None or kept:
        return execution_ids
    kept.append(execution_ids[0])
    return execution_ids[1:]


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
