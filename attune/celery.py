"""The Celery app of the distributed transport: `celery -A attune worker` (docs/workers.md).

Celery only carries "run execution N"; the lease in the database carries durability, so the
settings are the ones that keep the broker out of correctness: the message is acknowledged on
receipt (a redelivery after a crash would only be refused by the claim, while the sweeper
retries abandoned runs itself), one message prefetched per worker thread, no result backend,
JSON only. Nothing imports this module unless the Celery transport is in use.
"""

import os

import click
from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")

app = Celery("attune")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_acks_late=False,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    result_backend=None,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    task_default_queue="attune.run",
    include=["executions.tasks"],
)
# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a new PostgreSQL connection per run costs more than the rest of the run (7 ms
# of 15 in bench/executions.py). The task honours DATABASE_CONN_MAX_AGE instead, as Django's
# request cycle does (executions.tasks).
app.conf.CELERY_DB_REUSE_MAX = 1_000_000

app.user_options["worker"].add(
    click.Option(
        ["--labels"],
        default=None,
        help="This worker's labels, k=v,k2=v2 (default: ATTUNE_WORKER_LABELS): it consumes "
        "attune.run and every pack selector queue they satisfy.",
    )
)


class LabelQueues(bootsteps.StartStopStep):
    """With labels: also consume attune.run and every selector queue the labels satisfy,
    refreshed every ATTUNE_WORKER_QUEUE_REFRESH_SECONDS. Without labels Celery's own queue
    selection (-Q, or the default attune.run) is all there is."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, labels=None, **options):
        super().__init__(parent, **options)
        self.labels_text = labels
        self.labels = {}
        self.timer_entry = None

    def start(self, consumer):
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from executions.routing import parse_labels

        text = self.labels_text if self.labels_text is not None else settings.ATTUNE_WORKER_LABELS
        try:
            self.labels = parse_labels(text)
        except ValueError as exc:
            raise ImproperlyConfigured(f"--labels / ATTUNE_WORKER_LABELS: {exc}") from None
        if not self.labels:
            return
        self.refresh(consumer)
        self.timer_entry = consumer.timer.call_repeatedly(
            settings.ATTUNE_WORKER_QUEUE_REFRESH_SECONDS, self.refresh, (consumer,)
        )

    def stop(self, consumer):
        if self.timer_entry is not None:
            self.timer_entry.cancel()

    def refresh(self, consumer):
        from django.db import close_old_connections

        from executions.routing import queues_for_labels

        close_old_connections()
        for queue in queues_for_labels(self.labels):
            consumer.add_task_queue(queue)


app.steps["consumer"].add(LabelQueues)
