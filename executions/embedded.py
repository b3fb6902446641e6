"""The embedded transport's worker: claims due runs straight from the table (`attune_worker`).

One process: the main thread claims due scheduled runs of the queues it serves, as many as it
has free threads, every ATTUNE_WORKER_POLL_SECONDS (at once when a thread frees up or a run is
scheduled on this machine: executions.wake); a pool
of threads runs them; a heartbeat thread renews their leases; the sweeper runs every
ATTUNE_SWEEP_SECONDS. On stop it claims nothing more and lets running runs finish for up to
ATTUNE_WORKER_SHUTDOWN_GRACE seconds (a second signal stops waiting); runs still going then
are left to their leases (the sweeper of another worker abandons them and starts their
retries). See docs/workers.md.
"""

import logging
import queue
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

from executions import lifecycle, routing, sweeper
from executions.wake import Waker
from executions.worker import WorkerProcess

log = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self, concurrency: int, labels: dict[str, str], queues: list[str] | None = None):
        self.concurrency = concurrency
        self.labels = labels
        self.fixed_queues = queues  # --queues: exactly these, no label routing
        self.process = WorkerProcess()
        self.stopping = threading.Event()
        self._leave = threading.Event()
        self._waker = Waker(settings.ATTUNE_WORKER_WAKE_PORT)
        self._work: queue.Queue = queue.Queue()
        self._idle = threading.Semaphore(concurrency)
        self.queues: list[str] = []
        self._queues_at = float("-inf")
        self._swept_at = float("-inf")

    @property
    def name(self) -> str:
        return self.process.name

    def run(self) -> None:
        """Serve until `stop()`; then wait for running runs (up to the grace) and return."""
        self.process.start()
        threads = [
            threading.Thread(target=self._serve, name=f"attune-run-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        try:
            while not self.stopping.is_set():
                self._tick()
                self._waker.wait(settings.ATTUNE_WORKER_POLL_SECONDS)
        finally:
            self._drain()
            self._waker.close()
            connection.close()

    def stop(self) -> None:
        """The first call stops claiming and waits for running runs; a second one stops waiting."""
        if self.stopping.is_set():
            self._leave.set()
        self.stopping.set()
        self._waker.wake()

    def _tick(self) -> None:
        close_old_connections()
        try:
            now = time.monotonic()
            if now - self._queues_at >= settings.ATTUNE_WORKER_QUEUE_REFRESH_SECONDS:
                self._refresh_queues()
                self._queues_at = now
            if now - self._swept_at >= settings.ATTUNE_SWEEP_SECONDS:
                self._sweep()
                self._swept_at = now
            self._claim()
        except Exception:  # the database went away: log, drop the connection, try next tick
            log.exception("worker %s: claim loop error", self.name)
            connection.close()

    def _refresh_queues(self) -> None:
        queues = self.fixed_queues or routing.queues_for_labels(self.labels)
        if queues != self.queues:
            log.info("worker %s serves queues %s", self.name, ", ".join(queues))
        self.queues = queues

    def _sweep(self) -> None:
        changed = sweeper.sweep()
        if any(changed.values()):
            log.info("sweeper: %s", ", ".join(f"{rule} {count}" for rule, count in changed.items() if count))

    def _claim(self) -> None:
        free = 0
        while self._idle.acquire(blocking=False):
            free += 1
        claimed = []
        try:
            claimed = lifecycle.claim_due(self.name, self.queues, free) if free else []
        finally:
            for _ in range(free - len(claimed)):
                self._idle.release()
        for execution in claimed:
            self._work.put(execution)

    def _serve(self) -> None:
        while True:
            execution = self._work.get()
            close_old_connections()
            try:
                self.process.run_handing_off(execution, self._queues_to_take)
            except Exception:  # recorded by the lease: the sweeper abandons what was not finished
                log.exception("execution %s: could not be run or recorded", execution.id)
                connection.close()
            finally:
                close_old_connections()
                self._idle.release()
                self._waker.wake()  # a thread is free: claim again now, not at the next poll

    def _queues_to_take(self) -> list[str]:
        # Stopping: what a run schedules is left to the other workers.
        return [] if self.stopping.is_set() else self.queues

    def _drain(self) -> None:
        running = len(self.process.runs)
        if running:
            log.info(
                "worker %s: stopping; waiting up to %gs for %d running executions",
                self.name,
                settings.ATTUNE_WORKER_SHUTDOWN_GRACE,
                running,
            )
        # Every thread idle = every claimed run finished (including one claimed but not picked
        # up yet): holding all the permits proves it.
        deadline = time.monotonic() + settings.ATTUNE_WORKER_SHUTDOWN_GRACE
        idle = 0
        while idle < self.concurrency and time.monotonic() < deadline and not self._leave.is_set():
            if self._idle.acquire(timeout=0.05):
                idle += 1
        left = self.process.runs.ids()
        if left:
            log.warning("worker %s: leaving executions %s to their leases", self.name, left)
        self.process.stop()
