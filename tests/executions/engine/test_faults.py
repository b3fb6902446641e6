"""Workflows surviving worker loss, with real worker processes killed mid-workflow: embedded
workers, and Celery workers over a real Redis with `attune_scheduler` sweeping beside them.

Leases are 2 s, heartbeats every 0.5 s (tests/executions/procs.py). Each action body appends
its run's id and attempt to a file, so a test counts what ran, not only the rows.
"""

from pathlib import Path

import pytest

from actions.models import Action
from executions import service
from executions.models import Execution, Status
from packs.models import Pack
from tests.executions.crash_after_finish import CRASHED
from tests.executions.procs import wait_for

from .conftest import task_runs

RECORD = 'echo "$ATTUNE_EXEC_ID $ATTUNE_ATTEMPT" >> "{ran}"\n'
# The first attempt hangs (until its worker is killed); a retry ends at once.
SLOW_FIRST = RECORD + 'if [ "$ATTUNE_ATTEMPT" = 0 ]; then exec sleep 30; fi\n'

RETRIED_THEN_NEXT = """
tasks:
  - name: flaky
    action: faults.slow_first
    retry: {count: 2}
    next: [{when: "{{ succeeded() }}", do: [after]}]
  - name: after
    action: faults.record
"""

CHAIN = """
tasks:
  - name: first
    action: faults.record
    retry: {count: 2}
    next: [{when: "{{ succeeded() }}", do: [second]}]
  - name: second
    action: faults.record
"""

# The sweeper advances a run left unadvanced this long after it finished (default 5 s).
REPAIR = {"ATTUNE_ADVANCE_REPAIR_AFTER": "1"}


@pytest.fixture
def ran(tmp_path) -> Path:
    return tmp_path / "ran.txt"


@pytest.fixture
def fault_actions(tmp_path, ran):
    """Shell actions `faults.record` and `faults.slow_first`, both logging their runs to `ran`."""
    pack_dir = tmp_path / "faults"
    (pack_dir / "actions").mkdir(parents=True)
    pack = Pack.objects.create(ref="faults", label="Faults", version="1.0.0", source_dir=str(pack_dir))
    for name, script in (("record", RECORD), ("slow_first", SLOW_FIRST)):
        (pack_dir / "actions" / f"{name}.sh").write_text(script.format(ran=ran))
        Action.objects.create(
            ref=f"faults.{name}", pack=pack, label=name, runner_type="shell", entry_point=f"{name}.sh"
        )


@pytest.fixture
def start_flow(flow, fault_actions, make_user):
    user = make_user("runner", superuser=True)

    def start(definition):
        flow(definition)
        return service.start_by_ref("demo.flow", {}, executor=user)

    return start


def bodies_run(ran: Path) -> list[tuple[int, int]]:
    """(execution id, attempt) of every action body that started, in order."""
    if not ran.exists():
        return []
    return [tuple(map(int, line.split())) for line in ran.read_text().splitlines()]


def action_running(execution, ran: Path) -> Execution | None:
    """The running task run once its action body has started (not merely been claimed)."""
    if not bodies_run(ran):
        return None
    return Execution.objects.filter(parent=execution, status=Status.RUNNING).first()


def finished(execution, timeout=20):
    def done():
        execution.refresh_from_db()
        return execution.is_terminal

    wait_for(done, timeout, f"workflow execution {execution.id} to finish")
    return execution


def runs_of(execution) -> list[Execution]:
    return list(Execution.objects.filter(parent=execution).order_by("id"))


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_is_killed_is_retried_once_and_the_workflow_goes_on(fleet, start_flow, ran):
    doomed = fleet.worker()
    execution = start_flow(RETRIED_THEN_NEXT)
    first = wait_for(lambda: action_running(execution, ran), 15, "the first attempt's action to start")
    assert f":{doomed.pid}:" in first.worker

    doomed.kill()
    fresh = fleet.take_over()

    finished(execution)
    assert execution.status == Status.COMPLETED, execution.result
    assert task_runs(execution) == [
        ("flaky", 1, None, 0, Status.ABANDONED),
        ("flaky", 1, None, 1, Status.COMPLETED),
        ("after", 1, None, 0, Status.COMPLETED),
    ]
    abandoned, retry, after = runs_of(execution)
    assert abandoned.id == first.id and "stopped renewing its lease" in abandoned.result["error"]
    assert all(f":{fresh.pid}:" in run.worker for run in (retry, after))
    assert retry.input == abandoned.input and retry.started_at >= abandoned.finished_at
    # Each action body started once per run: the killed attempt, its one retry, the next task.
    assert bodies_run(ran) == [(abandoned.id, 0), (retry.id, 1), (after.id, 0)]
    assert all(run.advanced for run in (abandoned, retry, after))


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_between_finish_and_advance_leaves_the_action_run_once(fleet, start_flow, ran):
    doomed = fleet.worker(crash_after_finish=True)
    execution = start_flow(CHAIN)

    wait_for(lambda: doomed.proc.poll() is not None, 15, "the worker to crash after its first finish")
    assert doomed.proc.returncode == CRASHED, doomed.output()
    # The crash landed between the two phases: the run is finished, the workflow never heard.
    (first,) = runs_of(execution)
    assert (first.task_name, first.status, first.advanced) == ("first", Status.COMPLETED, False)
    assert f":{doomed.pid}:" in first.worker
    execution.refresh_from_db()
    assert execution.status == Status.RUNNING

    fresh = fleet.take_over(**REPAIR)  # its sweeper advances past the stalled run

    finished(execution)
    assert execution.status == Status.COMPLETED, execution.result
    assert task_runs(execution) == [
        ("first", 1, None, 0, Status.COMPLETED),
        ("second", 1, None, 0, Status.COMPLETED),
    ]
    first, second = runs_of(execution)
    assert (first.advanced, first.finished_seq) == (True, 1)  # advanced once, never re-run
    assert f":{doomed.pid}:" in first.worker and f":{fresh.pid}:" in second.worker
    assert bodies_run(ran) == [(first.id, 0), (second.id, 0)]
