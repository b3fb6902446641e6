"""Delivering "run execution N" to a worker; the database, not the transport, is the truth.

`dispatch(ids)` is called once the transaction that scheduled the runs has committed. A lost
message is re-dispatched by the sweeper and a duplicate is refused by the claim, so no
transport needs to be reliable for correctness, only for speed.
"""

from django.conf import settings
from django.db import transaction


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
    # embedded: the worker's claim loop finds scheduled rows itself (within its poll interval).
