"""The one Celery task: run execution N (a message says which run; the row says everything)."""

from django.db import close_old_connections

from attune.celery import app
from executions.worker import current_process


@app.task(name="attune.run_execution", ignore_result=True, acks_late=False)
def run_execution(execution_id: int) -> None:
    # Claimed, run and finished under this worker process's heartbeat; a duplicate delivery
    # or a run that is no longer scheduled is refused by the claim and does nothing.
    close_old_connections()  # drops a connection that is too old or broken, as a request does
    try:
        current_process().run(execution_id)
    finally:
        close_old_connections()
