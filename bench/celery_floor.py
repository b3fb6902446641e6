"""The floor of bench/executions.py: a plain Celery app with one no-op task and a result
backend, on the same Redis, so `apply_async(...).get()` is the cheapest round trip Celery
itself can make there. Nothing of Attune is imported."""

import os

from celery import Celery

url = os.environ["BENCH_REDIS_URL"]
app = Celery("floor", broker=url, backend=url)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    task_default_queue="floor",
)


@app.task(name="floor.noop")
def noop() -> None:
    return None
