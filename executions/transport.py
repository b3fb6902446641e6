"""Delivering "run execution N" to a worker; the database, not the transport, is the truth.

`dispatch(ids)` is called once the transaction that scheduled the runs has committed. A lost
message is re-dispatched by the sweeper and a duplicate is refused by the claim, so no
transport needs to be reliable for correctness, only for speed (docs/workers.md).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from executions import wake
from executions.models import Execution

log = logging.getLogger(__name__)


def dispatch_on_commit(execution_ids: list[int]) -> None:
    ids = list(execution_ids)
    if ids:
        transaction.on_commit(lambda: dispatch(ids))


def dispatch(execution_ids: list[int]) -> None:
    transport = settings.ATTUNE_ENGINE_TRANSPORT
    if transport == "inline":
        from executions.worker import run_inline

        for execution_id in execution_ids:
            run_inline(execution_id)
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
