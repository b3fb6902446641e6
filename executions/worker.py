"""Running a claimed execution: the part every transport shares.

A worker process has one identity (`host:pid:token`), the set of runs it is running, and a
heartbeat thread that renews their leases and stops the ones it must (docs/workers.md).
The embedded worker and the Celery task both run executions through `WorkerProcess`.
"""

import contextlib
import logging
import os
import secrets
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from executions import lifecycle, transport
from executions.models import Status
from executions.runners import RunContext, run_action
from executions.runners.results import failed_result

log = logging.getLogger(__name__)


def worker_name(suffix: str = "") -> str:
    # The random token keeps two lives of one pid apart (a restarted container is pid 1 again
    # under the same hostname): a new process must never renew a dead one's leases.
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}{suffix}"


def execute(execution_id: int, worker: str, cancel: threading.Event | None = None) -> bool:
    """Claim and run one execution; False when it was not ours to run (duplicate, not due)."""
    execution = lifecycle.claim(execution_id, worker)
    if execution is None:
        log.info("execution %s: not claimed (a duplicate delivery, or not scheduled)", execution_id)
        return False
    run_claimed(execution, worker, cancel or threading.Event())
    return True


def run_claimed(execution, worker: str, cancel: threading.Event) -> str:
    """Run an execution `worker` has claimed and record its end; the status recorded."""
    log.info("execution %s: claimed by %s (%s)", execution.id, worker, execution.action_ref)
    result = _run(execution, cancel)
    status = _status_of(result)
    if execution.parent_id:  # a task run: its end, and its workflow moving on
        from executions import orchestration

        recorded = orchestration.finish_and_advance(execution, worker, status, result)
    else:
        recorded = lifecycle.finish(execution.id, worker, status, result, run=execution)
    if not recorded:
        log.warning("execution %s: lease lost before it finished; its result is dropped", execution.id)
        return ""
    log.info("execution %s: %s", execution.id, execution.status)
    return execution.status


def run_inline(execution_id: int) -> bool:
    return execute(execution_id, worker_name(":inline"))


class Runs:
    """The executions one worker process is running, each with the Event that stops it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._events: dict[int, threading.Event] = {}

    @contextlib.contextmanager
    def tracking(self, execution_id: int):
        event = threading.Event()
        with self._lock:
            self._events[execution_id] = event
        try:
            yield event
        finally:
            with self._lock:
                self._events.pop(execution_id, None)

    def ids(self) -> list[int]:
        with self._lock:
            return list(self._events)

    def stop(self, execution_ids) -> None:
        with self._lock:
            for execution_id in execution_ids:
                event = self._events.get(execution_id)
                if event is not None:
                    event.set()

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)


class WorkerProcess:
    """A process that runs executions: its name, its runs, and the heartbeat renewing them."""

    def __init__(self, name: str | None = None):
        self.name = name or worker_name()
        self.pid = os.getpid()
        self.runs = Runs()
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat_forever, name="attune-heartbeat", daemon=True)

    def start(self) -> "WorkerProcess":
        self._heartbeat.start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def claim(self, execution_id: int):
        """Claim one execution for this process (a Celery delivery); None if not ours to run."""
        execution = lifecycle.claim(execution_id, self.name)
        if execution is None:
            log.info("execution %s: not claimed (a duplicate delivery, or not scheduled)", execution_id)
        return execution

    def run_claimed(self, execution) -> str:
        with self.runs.tracking(execution.id) as cancel:
            return run_claimed(execution, self.name, cancel)

    def run_handing_off(self, execution, queues) -> None:
        """Run a claimed execution, then, in this thread, the run its end scheduled and claimed
        for it (transport.HandOff), and so on: a workflow's next task starts without a claim
        or a round trip through a claim loop or a broker. `queues()` says, when the next run
        is created, the queues this thread may take it from (none once the worker is
        stopping); a run on another queue is announced as usual instead."""
        while execution is not None:
            with transport.handing_off(self.name, queues) as handoff:
                self.run_claimed(execution)
            execution = handoff.next

    def beat(self) -> set[int]:
        """Renew the leases now; stop the runs that were cancelled or are no longer ours."""
        to_stop = lifecycle.heartbeat(self.name, self.runs.ids())
        for execution_id in to_stop:
            log.info("execution %s: stopping (cancel requested, or its lease was lost)", execution_id)
        self.runs.stop(to_stop)
        return to_stop

    def _beat_forever(self) -> None:
        interval = settings.ATTUNE_HEARTBEAT_SECONDS
        while not self._stopping.wait(interval):
            close_old_connections()
            try:
                self.beat()
            except Exception:  # a database hiccup: the next beat tries again, well within the lease
                log.exception("heartbeat failed")
                connection.close()
        connection.close()


_process: WorkerProcess | None = None
_process_lock = threading.Lock()


def current_process() -> WorkerProcess:
    """This process's WorkerProcess, started on first use (and again after a fork)."""
    global _process
    with _process_lock:
        if _process is None or _process.pid != os.getpid():
            _process = WorkerProcess().start()
        return _process


def _run(execution, cancel: threading.Event) -> dict:
    if execution.action is None:
        return failed_result(f"action '{execution.action_ref}' does not exist")
    if not execution.action.enabled:
        return failed_result(f"action '{execution.action_ref}' is disabled")
    context = RunContext(
        execution_id=execution.id,
        attempt=execution.attempt,
        action=execution.action,
        parameters=execution.input,
        timeout_seconds=execution.timeout_seconds or settings.ATTUNE_DEFAULT_ACTION_TIMEOUT,
        env_vars=execution.env_vars,
        executor=execution.executor,
        cancel=cancel,
        inherited_secrets=execution.secret_texts,
    )
    try:
        return run_action(context)
    except Exception as exc:  # a runner bug must still end the run, with a reason
        log.exception("execution %s: runner error", execution.id)
        return failed_result(f"internal error while running the action: {type(exc).__name__}")


def _status_of(result: dict) -> str:
    if result.get("cancelled"):
        return Status.CANCELLED
    if result.get("timed_out"):
        return Status.TIMEOUT
    return Status.COMPLETED if result.get("succeeded") else Status.FAILED
