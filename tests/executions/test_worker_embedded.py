"""The embedded transport: `manage.py attune_worker` as a real process on the test database."""

import signal
import time

import pytest
from django.core.management import CommandError, call_command

from actions.models import Action
from executions import routing, sweeper
from executions.models import Execution, Status
from executions.service import start_execution
from packs.models import Pack
from tests.executions.procs import wait_for

pytestmark = pytest.mark.worker


def finished(execution, timeout=15):
    def done():
        execution.refresh_from_db()
        return execution.is_terminal

    wait_for(done, timeout, f"execution {execution.id} to finish")
    return execution


def selector_pack(ref, **selector):
    pack = Pack.objects.create(ref=ref, label=ref.title(), version="1.0.0", worker_selector=selector)
    return Action.objects.create(
        ref=f"{ref}.echo", pack=pack, label="Echo", runner_type="builtin", entry_point="echo"
    )


# --- routing (in-process) ----------------------------------------------------------------


def test_labels_are_parsed_from_key_value_pairs():
    assert routing.parse_labels(" region=eu-west-1, gpu=true ") == {"region": "eu-west-1", "gpu": "true"}
    assert routing.parse_labels("") == {}


@pytest.mark.parametrize("text", ["region", "=eu", "region=eu,gpu"])
def test_a_label_without_key_and_value_is_refused(text):
    with pytest.raises(ValueError, match="is not key=value"):
        routing.parse_labels(text)


def test_a_worker_serves_the_selector_queues_its_labels_satisfy(db):
    selector_pack("eu", region="eu")
    selector_pack("eugpu", region="eu", gpu="true")
    selector_pack("us", region="us")

    assert routing.queues_for_labels({}) == ["attune.run"]
    assert routing.queues_for_labels({"region": "eu", "rack": "7"}) == ["attune.run", "attune.sel.region=eu"]
    assert routing.queues_for_labels({"region": "eu", "gpu": "true"}) == [
        "attune.run",
        "attune.sel.gpu=true,region=eu",
        "attune.sel.region=eu",
    ]


def test_the_worker_command_refuses_bad_labels(db):
    with pytest.raises(CommandError, match="--labels: label 'region' is not key=value"):
        call_command("attune_worker", "--labels", "region")


def test_the_worker_command_refuses_no_threads(db):
    with pytest.raises(CommandError, match="--concurrency must be at least 1"):
        call_command("attune_worker", "--concurrency", "0")


# --- a real worker process ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_scheduled_executions(start, workers):
    worker = workers.embedded("--concurrency", "2")
    echo, fail, noop = (
        start("echo", {"message": "hello"}),
        start("fail", {"message": "on purpose"}),
        start("noop"),
    )

    for execution in (echo, fail, noop):
        finished(execution)
        assert f":{worker.pid}:" in execution.worker
    assert (echo.status, echo.result["stdout"]) == (Status.COMPLETED, "hello")
    assert (fail.status, fail.result["error"]) == (Status.FAILED, "on purpose")
    assert noop.status == Status.COMPLETED and noop.result["data"] == {}


@pytest.mark.django_db(transaction=True)
def test_a_run_scheduled_on_the_workers_machine_wakes_it(start, workers):
    workers.embedded(ATTUNE_WORKER_POLL_SECONDS="30")  # polling cannot be what finds the runs
    for _ in range(3):
        started = time.monotonic()
        finished(start("noop"), timeout=5)
        assert time.monotonic() - started < 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_without_wake_ups_finds_runs_by_polling(start, workers):
    workers.embedded(ATTUNE_WORKER_WAKE_PORT="0")
    execution = finished(start("echo", {"message": "polled"}))
    assert execution.status == Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_as_many_executions_at_once_as_it_has_threads(start, workers):
    workers.embedded("--concurrency", "3")
    runs = [start("sleep", {"seconds": 1}) for _ in range(3)]

    for execution in runs:
        finished(execution)
    # All three were running together: each started before any of them finished.
    assert max(run.started_at for run in runs) < min(run.finished_at for run in runs)


@pytest.mark.django_db(transaction=True)
def test_only_a_worker_with_the_labels_runs_a_selector_packs_executions(embedded, start, workers):
    action = selector_pack("eu", region="eu")
    plain = workers.embedded()
    routed, ordinary = start_execution(action, {"message": "eu"}), start("noop")

    finished(ordinary)
    assert f":{plain.pid}:" in ordinary.worker
    routed.refresh_from_db()
    assert routed.status == Status.SCHEDULED and routed.queue == "attune.sel.region=eu"

    labelled = workers.embedded("--labels", "region=eu")
    finished(routed)
    assert routed.status == Status.COMPLETED and f":{labelled.pid}:" in routed.worker


@pytest.mark.django_db(transaction=True)
def test_a_worker_picks_up_packs_loaded_after_it_started(embedded, workers):
    worker = workers.embedded("--labels", "region=eu", ATTUNE_WORKER_QUEUE_REFRESH_SECONDS="0.2")
    execution = start_execution(selector_pack("eu", region="eu"), {"message": "late"})

    finished(execution)
    assert execution.status == Status.COMPLETED and f":{worker.pid}:" in execution.worker


@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_running_execution_finish_and_claims_nothing_more(start, workers):
    worker = workers.embedded("--concurrency", "1")
    running = start("sleep", {"seconds": 1.5})
    wait_for(lambda: Execution.objects.get(id=running.id).status == Status.RUNNING, 10, "the run to start")

    worker.signal(signal.SIGTERM)
    waiting = start("noop")

    assert worker.proc.wait(timeout=15) == 0
    running.refresh_from_db()
    assert running.status == Status.COMPLETED
    waiting.refresh_from_db()
    assert waiting.status == Status.SCHEDULED and waiting.worker == ""
    assert "stopped." in worker.output()


@pytest.mark.django_db(transaction=True)
def test_a_second_sigterm_leaves_the_running_execution_to_its_lease(start, workers):
    worker = workers.embedded("--concurrency", "1")
    running = start("sleep", {"seconds": 30})
    wait_for(lambda: Execution.objects.get(id=running.id).status == Status.RUNNING, 10, "the run to start")

    worker.signal(signal.SIGTERM)
    wait_for(lambda: "waiting up to" in worker.output(), 10, "the worker to start waiting")
    worker.signal(signal.SIGTERM)

    assert worker.proc.wait(timeout=10) == 0
    assert f"leaving executions [{running.id}] to their leases" in worker.output()
    assert Execution.objects.get(id=running.id).status == Status.RUNNING
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")
    assert Execution.objects.get(id=running.id).status == Status.ABANDONED
