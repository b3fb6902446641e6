"""The one Celery task: run execution N (a message says which run; the row says everything)."""

from attune.celery import app
from executions.worker import current_process


@app.task(name="attune.run_execution", ignore_result=True, acks_late=False)
def run_execution(execution_id: int) -> None:
    # Claimed, run and finished under this worker process's heartbeat; a duplicate delivery
    # or a run that is no longer scheduled is refused by the claim and does nothing.
    current_process().run(execution_id)
