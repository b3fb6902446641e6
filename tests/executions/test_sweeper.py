"""The sweeper's rules, each a conditional UPDATE that several sweepers may apply at once."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from kombu.exceptions import OperationalError

from executions import lifecycle, sweeper, transport
from executions.models import Execution, Status

# The workflow rules, with no workflow execution about.
QUIET = {"nested timed out": 0, "timers fired": 0, "advanced": 0}


def expire(execution, seconds_ago=1):
    Execution.objects.filter(id=execution.id).update(
        lease_expires_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def claimed(start, name="sleep", parameters=None, **options):
    execution = start(name, parameters or {"seconds": 5}, **options)
    lifecycle.claim(execution.id, "worker-a")
    return execution


def test_an_expired_lease_abandons_the_run(start):
    execution = claimed(start)
    expire(execution)

    assert sweeper.sweep() == {
        "abandoned": 1,
        "cancelled": 0,
        "redispatched": 0,
        "inquiries timed out": 0,
        **QUIET,
    }

    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED and execution.finished_at is not None
    assert execution.result["succeeded"] is False
    assert "worker-a stopped renewing its lease" in execution.result["error"]
    assert execution.lease_expires_at is None
    assert not Execution.objects.filter(original_execution=execution).exists()  # no retries asked


def test_a_live_lease_is_left_alone(start):
    execution = claimed(start)

    assert sweeper.abandon_expired() == 0
    execution.refresh_from_db()
    assert execution.status == Status.RUNNING


def test_an_abandoned_run_with_retries_left_is_retried(start, make_user):
    user = make_user()
    execution = claimed(start, "echo", {"message": "again"}, max_retries=2, executor=user, timeout_seconds=9)
    Execution.objects.filter(id=execution.id).update(
        env_vars={"GREETING": "hi"}, queue="attune.sel.region=eu"
    )
    execution.refresh_from_db()
    expire(execution)

    sweeper.abandon_expired()

    retry = Execution.objects.get(original_execution=execution)
    assert retry.status == Status.SCHEDULED and retry.attempt == 1 and retry.max_retries == 2
    assert (retry.action_id, retry.action_ref) == (execution.action_id, execution.action_ref)
    assert retry.input == execution.input == {"message": "again"} and retry.config == execution.config
    assert retry.env_vars == {"GREETING": "hi"} and retry.queue == "attune.sel.region=eu"
    assert (retry.executor, retry.timeout_seconds) == (user, 9)
    assert retry.worker == "" and retry.result is None


def test_a_retry_of_a_retry_points_at_the_first_attempt(start):
    first = claimed(start, max_retries=2)
    expire(first)
    sweeper.abandon_expired()
    second = Execution.objects.get(original_execution=first)
    lifecycle.claim(second.id, "worker-b")
    expire(second)

    sweeper.abandon_expired()

    third = Execution.objects.exclude(id__in=[first.id, second.id]).get()
    assert (third.original_execution_id, third.attempt) == (first.id, 2)


def test_the_last_attempt_is_not_retried(start):
    first = claimed(start, max_retries=1)
    expire(first)
    sweeper.abandon_expired()
    last = Execution.objects.get(original_execution=first)
    lifecycle.claim(last.id, "worker-b")
    expire(last)

    assert sweeper.abandon_expired() == 1

    last.refresh_from_db()
    assert last.status == Status.ABANDONED
    assert Execution.objects.count() == 2


def test_a_retry_runs_when_it_is_dispatched(start, settings, django_capture_on_commit_callbacks):
    execution = claimed(start, "echo", {"message": "second try"}, max_retries=1)
    expire(execution)
    settings.ATTUNE_ENGINE_TRANSPORT = "inline"  # the retry's dispatch runs it here, at commit

    with django_capture_on_commit_callbacks(execute=True):
        sweeper.abandon_expired()

    retry = Execution.objects.get(original_execution=execution)
    assert retry.status == Status.COMPLETED and retry.result["stdout"] == "second try"


def test_sweeping_twice_abandons_and_retries_once(start):
    execution = claimed(start, max_retries=3)
    expire(execution)

    assert sweeper.abandon_expired() == 1
    assert sweeper.abandon_expired() == 0
    assert Execution.objects.filter(original_execution=execution).count() == 1


@pytest.mark.django_db(transaction=True)
def test_sweepers_at_the_same_moment_retry_once(start):
    runs = [claimed(start, max_retries=1) for _ in range(5)]
    for execution in runs:
        expire(execution)
    barrier = threading.Barrier(3)
    counts, failures = [], []

    def sweep():
        try:
            barrier.wait()
            counts.append(sweeper.abandon_expired())
        except Exception as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures and sum(counts) == 5
    for execution in runs:
        assert Execution.objects.filter(original_execution=execution).count() == 1


def test_a_canceling_run_whose_worker_is_gone_is_cancelled(start):
    execution = claimed(start)
    lifecycle.request_cancel(execution)
    expire(execution)

    assert sweeper.sweep() == {
        "abandoned": 0,
        "cancelled": 1,
        "redispatched": 0,
        "inquiries timed out": 0,
        **QUIET,
    }
    execution.refresh_from_db()
    assert execution.status == Status.CANCELLED and execution.result["cancelled"] is True
    assert not Execution.objects.filter(original_execution=execution).exists()


def test_a_canceling_run_still_held_is_left_to_its_worker(start):
    execution = claimed(start)
    lifecycle.request_cancel(execution)

    assert sweeper.cancel_orphaned() == 0
    execution.refresh_from_db()
    assert execution.status == Status.CANCELING


def test_a_dispatch_marks_the_run_as_announced(start, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        execution = start("noop")  # embedded transport: dispatched at commit

    execution.refresh_from_db()
    assert execution.status == Status.SCHEDULED and execution.dispatched_at is not None


def test_a_run_announced_long_ago_is_dispatched_again(start, settings):
    stale, fresh = start("noop"), start("noop")
    Execution.objects.update(dispatched_at=timezone.now())
    long_ago = timezone.now() - timedelta(seconds=settings.ATTUNE_REDISPATCH_AFTER + 1)
    Execution.objects.filter(id=stale.id).update(dispatched_at=long_ago)
    fresh.refresh_from_db()

    assert sweeper.redispatch_lost() == 1

    stale.refresh_from_db()
    assert stale.dispatched_at > long_ago
    assert Execution.objects.get(id=fresh.id).dispatched_at == fresh.dispatched_at


def test_a_run_never_announced_is_dispatched(start):
    lost, just_created = start("noop"), start("noop")
    Execution.objects.filter(id__in=[lost.id, just_created.id]).update(dispatched_at=None)
    Execution.objects.filter(id=lost.id).update(updated=timezone.now() - timedelta(seconds=10))

    assert sweeper.redispatch_lost() == 1
    assert Execution.objects.get(id=lost.id).dispatched_at is not None
    # Its own dispatch, right after its commit, is still to come.
    assert Execution.objects.get(id=just_created.id).dispatched_at is None


def test_a_run_not_yet_due_is_not_dispatched(start):
    execution = start("noop")
    Execution.objects.filter(id=execution.id).update(
        dispatched_at=None,
        updated=timezone.now() - timedelta(minutes=5),
        run_after=timezone.now() + timedelta(minutes=1),
    )

    assert sweeper.redispatch_lost() == 0


def test_a_lost_message_is_run_once_dispatched_again(start, settings):
    execution = start("echo", {"message": "found"})
    Execution.objects.filter(id=execution.id).update(
        dispatched_at=None, updated=timezone.now() - timedelta(seconds=10)
    )
    settings.ATTUNE_ENGINE_TRANSPORT = "inline"

    assert sweeper.redispatch_lost() == 1
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED and execution.result["stdout"] == "found"


def test_a_broker_outage_at_dispatch_leaves_the_run_to_the_sweeper(start, settings, monkeypatch):
    from executions.tasks import run_execution

    execution = start("noop")
    Execution.objects.filter(id=execution.id).update(dispatched_at=None)
    settings.ATTUNE_ENGINE_TRANSPORT = "celery"

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(run_execution, "apply_async", refuse)

    transport.dispatch([execution.id])  # does not raise: the row is committed already

    execution.refresh_from_db()
    assert execution.status == Status.SCHEDULED and execution.dispatched_at is None


def test_the_scheduler_command_sweeps_once(start):
    execution = claimed(start)
    expire(execution)
    out = io.StringIO()

    call_command("attune_scheduler", "--once", stdout=out)

    assert (
        out.getvalue().strip()
        == "Swept: 1 abandoned, 0 cancelled, 0 redispatched, 0 inquiries timed out, 0 nested timed out, 0 timers fired, 0 advanced"
    )
    execution.refresh_from_db()
    assert execution.status == Status.ABANDONED


def test_a_pending_inquiry_past_its_timeout_times_out_and_refuses_a_late_answer(make_execution):
    from executions.models import Inquiry, InquiryStatus

    run = make_execution(None, status=Status.COMPLETED, action_ref="core.ask")
    now = timezone.now()
    due = Inquiry.objects.create(execution=run, prompt="ok?", timeout_at=now - timedelta(seconds=1))
    later = Inquiry.objects.create(execution=run, prompt="ok?", timeout_at=now + timedelta(hours=1))
    unlimited = Inquiry.objects.create(execution=run, prompt="ok?")

    assert sweeper.time_out_inquiries() == 1
    statuses = dict(Inquiry.objects.values_list("id", "status"))
    assert statuses == {
        due.id: InquiryStatus.TIMEOUT,
        later.id: InquiryStatus.PENDING,
        unlimited.id: InquiryStatus.PENDING,
    }
    assert sweeper.time_out_inquiries() == 0  # a second sweep changes nothing
