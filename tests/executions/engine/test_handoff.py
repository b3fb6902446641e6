"""A worker thread runs the next task its own run scheduled, without a round trip through a
claim loop or a message (executions.transport.handing_off): real embedded and Celery workers."""

import pytest

from executions import service
from executions.models import Execution, Status
from packs.models import Pack
from tests.executions.procs import wait_for

from .conftest import task_runs

CHAIN = """
tasks:
  - {name: one, action: demo.noop, next: [{do: [two]}]}
  - {name: two, action: demo.noop, next: [{do: [three]}]}
  - {name: three, action: demo.noop}
"""

# Embedded: no datagrams and a poll far longer than the test (the claim loop looks at its
# start and when a thread frees up). Either transport: what a hand-off keeps is never
# announced, so it has no dispatched_at.
SLOW_LOOP = {"ATTUNE_WORKER_WAKE_PORT": "0", "ATTUNE_WORKER_POLL_SECONDS": "120"}


@pytest.mark.django_db(transaction=True)
def test_a_chain_runs_task_after_task_in_the_thread_that_scheduled_it(
    demo, embedded, flow, make_user, workers
):
    flow(CHAIN, pack=Pack.objects.get(ref="demo"))
    execution = service.start_by_ref("demo.flow", {}, executor=make_user("runner", superuser=True))
    worker = workers.embedded(**SLOW_LOOP)

    def done():
        execution.refresh_from_db()
        return execution.is_terminal

    wait_for(done, 20, "the chain to finish well within one poll interval")
    assert execution.status == Status.COMPLETED, execution.result
    assert task_runs(execution) == [
        ("one", 1, None, 0, Status.COMPLETED),
        ("two", 1, None, 0, Status.COMPLETED),
        ("three", 1, None, 0, Status.COMPLETED),
    ]
    holders = set(Execution.objects.filter(parent=execution).values_list("worker", flat=True))
    assert len(holders) == 1 and f":{worker.pid}:" in holders.pop()
    # Kept for the thread, so never announced: only the first run (started by this process)
    # was dispatched.
    dispatched = dict(Execution.objects.filter(parent=execution).values_list("task_name", "dispatched_at"))
    assert dispatched["one"] is not None and (dispatched["two"], dispatched["three"]) == (None, None)
