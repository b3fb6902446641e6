"""The distributed transport: real Celery workers (`celery -A attune worker`) over a real Redis."""

import re
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from actions.models import Action
from executions import sweeper, transport
from executions.models import LIVE, Execution, Status
from executions.service import start_execution
from packs.models import Pack
from tests.executions import procs
from tests.executions.procs import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_the_celery_app_leaves_durability_to_the_database():
    from attune.celery import app

    conf = app.conf
    assert conf.task_acks_late is False and conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True and not conf.result_backend
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.broker_connection_retry_on_startup is True and conf.task_default_queue == "attune.run"


def test_a_task_keeps_the_threads_database_connection(db):
    # Celery's Django fixup would close it before and after every task: a new PostgreSQL
    # connection per run doubled the Celery round trip in bench/executions.py.
    from types import SimpleNamespace

    from celery.fixups.django import DjangoWorkerFixup
    from django.db import connection

    from attune.celery import app

    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    before = connection.connection
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    for _ in range(3):
        fixup.on_task_prerun(sender=task)
        fixup.on_task_postrun(sender=task)
    assert connection.connection is before


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ATTUNE_ENGINE_TRANSPORT": "celery"}, "ATTUNE_ENGINE_TRANSPORT=celery needs CELERY_BROKER_URL"),
        (
            {"ATTUNE_LEASE_SECONDS": "5", "ATTUNE_HEARTBEAT_SECONDS": "5"},
            "must be less than ATTUNE_LEASE_SECONDS",
        ),
    ],
)
def test_settings_that_cannot_work_stop_the_process_at_start(env, message):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=procs.ROOT,
        env=procs.child_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and message in result.stderr


def finished(execution, timeout=15):
    def done():
        execution.refresh_from_db()
        return execution.is_terminal

    wait_for(done, timeout, f"execution {execution.id} to finish")
    return execution


def test_a_celery_worker_runs_dispatched_executions(start, celery_transport, workers):
    worker = workers.celery(celery_transport)
    echo, fail = start("echo", {"message": "over redis"}), start("fail", {"message": "on purpose"})

    for execution in (echo, fail):
        finished(execution)
        assert f":{worker.pid}:" in execution.worker
        assert execution.dispatched_at is not None
    assert (echo.status, echo.result["stdout"]) == (Status.COMPLETED, "over redis")
    assert (fail.status, fail.result["error"]) == (Status.FAILED, "on purpose")


def test_a_duplicate_message_runs_the_action_once(start, celery_transport, workers):
    worker = workers.celery(celery_transport)
    execution = start("sleep", {"seconds": 1})

    transport.dispatch([execution.id])  # a second "run execution N" for the same run

    finished(execution)
    wait_for(
        lambda: f"execution {execution.id}: not claimed" in worker.output(), 10, "the duplicate delivery"
    )
    assert execution.status == Status.COMPLETED and f":{worker.pid}:" in execution.worker
    assert worker.count(f"execution {execution.id}: claimed by") == 1
    assert len(re.findall(rf"execution {execution.id}: (claimed by|not claimed)", worker.output())) == 2


def test_a_lost_message_is_dispatched_again_by_the_sweeper(start, celery_transport, workers, settings):
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"  # scheduled and marked, but no message sent
    execution = start("echo", {"message": "found"})
    settings.ATTUNE_ENGINE_TRANSPORT = "celery"
    long_ago = timezone.now() - timedelta(seconds=settings.ATTUNE_REDISPATCH_AFTER + 1)
    Execution.objects.filter(id=execution.id).update(dispatched_at=long_ago)
    worker = workers.celery(celery_transport)

    assert sweeper.redispatch_lost() == 1

    finished(execution)
    assert execution.status == Status.COMPLETED and f":{worker.pid}:" in execution.worker


def test_a_killed_celery_workers_run_is_retried_by_a_fresh_worker(start, celery_transport, workers):
    doomed = workers.celery(celery_transport)
    first = start("sleep", {"seconds": 2}, max_retries=1)
    wait_for(lambda: Execution.objects.get(id=first.id).status == Status.RUNNING, 10, "the run to start")
    doomed.kill()  # the message was acknowledged on receipt: Redis has nothing to redeliver

    fresh = workers.celery(celery_transport)
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")  # attune_scheduler's job

    def retried():
        live = (
            Execution.objects.filter(id=first.id) | Execution.objects.filter(original_execution=first)
        ).filter(status__in=LIVE)
        assert live.count() <= 1, "two live runs of one execution"
        return Execution.objects.filter(original_execution=first, status=Status.COMPLETED).first()

    retry = wait_for(retried, 15, "the retry to complete")
    first.refresh_from_db()
    assert first.status == Status.ABANDONED and "lease" in first.result["error"]
    assert retry.attempt == 1 and f":{fresh.pid}:" in retry.worker


def test_a_stalled_celery_worker_cannot_overwrite_the_run_it_lost(start, celery_transport, workers):
    worker = workers.celery(celery_transport)
    execution = start("sleep", {"seconds": 3})
    wait_for(lambda: Execution.objects.get(id=execution.id).status == Status.RUNNING, 10, "the run to start")

    worker.signal(signal.SIGSTOP)
    wait_for(lambda: sweeper.abandon_expired(), 5, "the lease to run out")
    abandoned = Execution.objects.get(id=execution.id).result
    worker.signal(signal.SIGCONT)

    wait_for(lambda: "lease lost before it finished" in worker.output(), 10, "the zombie's refused finish")
    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED and execution.result == abandoned


def test_a_worker_consumes_the_selector_queues_its_labels_satisfy(demo, celery_transport, workers):
    pack = Pack.objects.create(ref="eu", label="EU", version="1.0.0", worker_selector={"region": "eu"})
    action = Action.objects.create(
        ref="eu.echo", pack=pack, label="Echo", runner_type="builtin", entry_point="echo"
    )
    plain = workers.celery(celery_transport)
    routed, ordinary = start_execution(action, {"message": "eu"}), start_execution(demo["noop"], {})

    finished(ordinary)
    assert f":{plain.pid}:" in ordinary.worker
    assert Execution.objects.get(id=routed.id).status == Status.SCHEDULED

    labelled = workers.celery(celery_transport, "--labels", "region=eu")
    finished(routed)
    assert routed.status == Status.COMPLETED and f":{labelled.pid}:" in routed.worker
    assert "Started consuming from attune.sel.region=eu" in labelled.output()
