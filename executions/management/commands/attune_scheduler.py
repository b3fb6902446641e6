import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from executions import sweeper

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the sweeper every ATTUNE_SWEEP_SECONDS beside Celery workers (abandoned leases, retries, lost messages)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")

    def handle(self, *args, **options):
        if options["once"]:
            self.stdout.write(self._summary(sweeper.sweep()))
            return
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        self.stdout.write(f"Sweeping every {settings.ATTUNE_SWEEP_SECONDS:g}s; SIGTERM or Ctrl-C stops it.")
        self.stdout.flush()
        while not stopping.is_set():
            close_old_connections()
            try:
                changed = sweeper.sweep()
            except Exception:  # the database went away: the next sweep tries again
                log.exception("sweep failed")
                connection.close()
                changed = {}
            if any(changed.values()):
                self.stdout.write(self._summary(changed))
                self.stdout.flush()
            stopping.wait(settings.ATTUNE_SWEEP_SECONDS)
        self.stdout.write(self.style.SUCCESS("Scheduler stopped."))

    @staticmethod
    def _summary(changed: dict) -> str:
        return "Swept: " + ", ".join(f"{count} {rule}" for rule, count in changed.items())
