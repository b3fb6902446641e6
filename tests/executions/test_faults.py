"""Fault tests with real embedded workers: kill -9 mid-run, a stalled (zombie) worker,
two workers on one queue. Leases are 2 s, heartbeats every 0.5 s (tests/executions/procs.py)."""

import re
import signal
from collections import Counter

import pytest

from actions.models import Action
from executions import sweeper
from executions.models import LIVE, Execution, Status
from executions.service import start_execution
from packs.models import Pack
from tests.executions.procs import wait_for

pytestmark = pytest.mark.worker


def status_of(execution) -> str:
    return Execution.objects.get(id=execution.id).status


def running_on(execution, worker, timeout=10):
    wait_for(lambda: status_of(execution) == Status.RUNNING, timeout, f"execution {execution.id} to run")
    execution.refresh_from_db()
    assert f":{worker.pid}:" in execution.worker
    return execution


def lineage(first):
    return Execution.objects.filter(id=first.id) | Execution.objects.filter(original_execution=first)


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_run_is_abandoned_after_its_lease(start, workers):
    worker = workers.embedded()
    execution = running_on(start("sleep", {"seconds": 30}), worker)

    worker.kill()
    last_lease = Execution.objects.get(id=execution.id).lease_expires_at  # nobody renews it now

    assert sweeper.abandon_expired() == 0  # the lease still runs: nobody knows it died yet
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")
    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED
    assert execution.finished_at >= last_lease
    assert "stopped renewing its lease" in execution.result["error"]
    assert lineage(execution).count() == 1  # no retries were asked


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_run_is_retried_by_a_fresh_worker(start, workers):
    first_worker = workers.embedded()
    first = running_on(start("sleep", {"seconds": 2}, max_retries=1), first_worker)
    first_worker.kill()

    fresh = workers.embedded()  # its sweeper finds the expired lease and starts the retry

    def retried():
        live = lineage(first).filter(status__in=LIVE).count()
        assert live <= 1, "two live runs of one execution"
        return Execution.objects.filter(original_execution=first, status=Status.COMPLETED).first()

    retry = wait_for(retried, 15, "the retry to complete")
    first.refresh_from_db()
    assert first.status == Status.ABANDONED
    assert (retry.attempt, retry.input) == (1, {"seconds": 2})
    assert f":{fresh.pid}:" in retry.worker
    assert retry.started_at >= first.finished_at  # the retry began after the first was given up
    assert lineage(first).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_stalled_worker_cannot_overwrite_the_run_it_lost(start, workers):
    worker = workers.embedded()
    execution = running_on(start("sleep", {"seconds": 3}), worker)

    worker.signal(signal.SIGSTOP)  # alive but silent: no heartbeat, like a long GC pause
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")
    execution.refresh_from_db()
    abandoned = execution.result
    worker.signal(signal.SIGCONT)

    # Its next heartbeat sees the run is no longer its own and stops it; the finish is refused.
    wait_for(lambda: "lease lost before it finished" in worker.output(), 10, "the zombie's refused finish")
    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED and execution.result == abandoned
    assert f"execution {execution.id}: stopping" in worker.output()


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_run_each_execution_once(start, workers):
    pair = [workers.embedded("--concurrency", "4"), workers.embedded("--concurrency", "4")]
    runs = [start("noop") for _ in range(60)]

    wait_for(lambda: Execution.objects.filter(status=Status.COMPLETED).count() == 60, 30, "60 completed runs")

    claims = Counter(
        int(match) for worker in pair for match in re.findall(r"execution (\d+): claimed by", worker.output())
    )
    assert claims == Counter({execution.id: 1 for execution in runs})
    assert Execution.objects.exclude(status=Status.COMPLETED).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_subprocess_action_dies_with_it(demo, embedded, workers, tmp_path):
    pack_dir = tmp_path / "hang"
    (pack_dir / "actions").mkdir(parents=True)
    pid_file = tmp_path / "action.pid"
    # `exec` keeps the action's own pid, the one the worker started.
    (pack_dir / "actions" / "hang.sh").write_text(f'echo $$ > "{pid_file}"\nexec sleep 30\n')
    pack = Pack.objects.create(ref="hang", label="Hang", version="1.0.0", source_dir=str(pack_dir))
    action = Action.objects.create(
        ref="hang.sleep", pack=pack, label="Hang", runner_type="shell", entry_point="hang.sh"
    )
    worker = workers.embedded()
    execution = running_on(start_execution(action, {}, max_retries=1), worker)
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 10, "the action to start")
    action_pid = int(pid_file.read_text())

    worker.kill()

    wait_for(lambda: not _alive(action_pid), 5, "the action to die with its worker")
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")
    assert status_of(execution) == Status.ABANDONED


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie is dead, just unreaped
    except FileNotFoundError:
        return False
