import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from executions import routing
from executions.embedded import EmbeddedWorker


class Command(BaseCommand):
    help = "Run executions: claim due runs from the database, run them, and sweep (the embedded transport)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.ATTUNE_WORKER_CONCURRENCY,
            help="Executions run at once (default: ATTUNE_WORKER_CONCURRENCY).",
        )
        parser.add_argument(
            "--labels",
            default=settings.ATTUNE_WORKER_LABELS,
            help="This worker's labels, k=v,k2=v2 (default: ATTUNE_WORKER_LABELS): it serves "
            "attune.run and every pack selector queue they satisfy.",
        )
        parser.add_argument(
            "--queues", default="", help="Serve exactly these queues, comma-separated, instead of by labels."
        )

    def handle(self, *args, **options):
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1")
        try:
            labels = routing.parse_labels(options["labels"])
        except ValueError as exc:
            raise CommandError(f"--labels: {exc}") from None
        worker = EmbeddedWorker(
            options["concurrency"], labels, routing.parse_queues(options["queues"]) or None
        )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop())
        self.stdout.write(
            f"Worker {worker.name}: {options['concurrency']} threads, labels {labels or '{}'}; "
            "SIGTERM or Ctrl-C stops it (twice: without waiting for running executions).",
        )
        self.stdout.flush()
        worker.run()
        self.stdout.write(self.style.SUCCESS(f"Worker {worker.name} stopped."))
