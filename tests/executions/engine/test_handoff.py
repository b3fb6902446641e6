"""A worker thread runs the next task its own run scheduled, without a round trip through a
claim loop or a message (executions.transport.handing_off): real embedded and Celery workers."""

import signal

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

# Embedded (Celery workers ignore both): no datagrams and a poll far longer than the test (the claim loop looks at its
# start and when a thread frees up). Either transport: what a hand-off keeps is never
# announced, so it has no dispatched_at.
SLOW_LOOP = {"ATTUNE_WORKER_WAKE_PORT": "0", "ATTUNE_WORKER_POLL_SECONDS": "120"}


@pytest.mark.django_db(transaction=True)
def test_a_chain_runs_task_after_task_in_the_thread_that_scheduled_it(demo, fleet, flow, make_user):
    flow(CHAIN, pack=Pack.objects.get(ref="demo"))
    execution = service.start_by_ref("demo.flow", {}, executor=make_user("runner", superuser=True))
    worker = fleet.worker(**SLOW_LOOP)

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


SLOW_CHAIN = """
tasks:
  - {name: one, action: demo.sleep, input: {seconds: 1}, next: [{do: [two]}]}
  - {name: two, action: demo.noop}
"""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_stopping_worker_leaves_the_next_task_to_the_others(demo, embedded, flow, make_user, workers):
    flow(SLOW_CHAIN, pack=Pack.objects.get(ref="demo"))
    execution = service.start_by_ref("demo.flow", {}, executor=make_user("runner", superuser=True))
    stopping = workers.embedded(**SLOW_LOOP)
    wait_for(
        lambda: Execution.objects.filter(task_name="one", status=Status.RUNNING).exists(), 10, "one to run"
    )

    stopping.signal(signal.SIGTERM)  # it finishes `one` (within its grace) and takes nothing more
    wait_for(lambda: stopping.proc.poll() is not None, 15, "the worker to stop")
    two = Execution.objects.get(parent=execution, task_name="two")
    assert (two.status, two.worker) == (Status.SCHEDULED, "")
    assert Execution.objects.get(task_name="one").status == Status.COMPLETED

    other = workers.embedded()
    wait_for(lambda: Execution.objects.get(id=execution.id).is_terminal, 15, "the workflow to finish")
    two.refresh_from_db()
    assert two.status == Status.COMPLETED and f":{other.pid}:" in two.worker
