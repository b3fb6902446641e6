"""The one Celery task: run execution N (a message says which run; the row says everything)."""

from celery.worker import state as worker_state
from django.db import close_old_connections

from attune.celery import app
from executions.worker import current_process


@app.task(name="attune.run_execution", ignore_result=True, acks_late=False, bind=True)
def run_execution(self, execution_id: int) -> None:
    # Claimed, run and finished under this worker process's heartbeat; a duplicate delivery
    # or a run that is no longer scheduled is refused by the claim and does nothing.
    close_old_connections()  # drops a connection that is too old or broken, as a request does
    try:
        process = current_process()
        execution = process.claim(execution_id)
        if execution is not None:
            # The queue this message came from is one this worker consumes: the next run of a
            # workflow on that queue is run here too, without a message.
            queue = (self.request.delivery_info or {}).get("routing_key")
            process.run_handing_off(execution, lambda: [queue] if queue and not shutting_down() else [])
    finally:
        close_old_connections()


def shutting_down() -> bool:
    # Set (to an exit code, 0 included) by the worker's shutdown signal handlers.
    return worker_state.should_stop is not None or worker_state.should_terminate is not None
