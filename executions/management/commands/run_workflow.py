"""`manage.py run_workflow <ref> --param k=v ... [--wait]`: start a workflow execution through
the same service as the API; with --wait, a line per task run as it starts and ends."""

from django.core.management.base import CommandError

from executions.management.commands import run_action
from executions.models import TERMINAL, Execution, ExecutionEvent
from executions.orchestration import find_workflow

LABEL = {"running": "started", "completed": "succeeded", "timeout": "timed out"}


class Command(run_action.Command):
    help = "Run a workflow: exit status 0 only when it completed (with --wait), 1 when it did not, 2 for bad input."

    def handle(self, *args, **options):
        if find_workflow(options["ref"]) is None:
            raise CommandError(f"No workflow '{options['ref']}'", returncode=run_action.BAD_INPUT)
        super().handle(*args, **options)

    def _show_progress(self, execution, progress: dict) -> None:
        """A line per task run event since the last poll."""
        events = ExecutionEvent.objects.filter(root_id=execution.id, id__gt=progress.get("event", 0))
        for event in events.order_by("id"):
            progress["event"] = event.id
            line = self._line(event)
            if line:
                self.stdout.write(line)

    @staticmethod
    def _line(event) -> str | None:
        payload = event.payload
        if event.kind == "task" and payload.get("status") in ("skipped", "not_run"):
            return f"  {payload['task']}: {payload['status']}"
        if event.kind != "status" or not payload.get("task_name") or payload["status"] == "scheduled":
            return None
        attempt = f" (attempt {payload['attempt'] + 1})" if payload.get("attempt") else ""
        status = LABEL.get(payload["status"], payload["status"])
        duration = ""
        if payload["status"] in TERMINAL:
            run = Execution.objects.filter(id=payload["id"]).only("started_at", "finished_at").first()
            if run is not None and run.duration_ms is not None:
                duration = f" in {run.duration_ms / 1000:.2f} s"
        return f"  {payload['task_name']}{attempt}: {status}{duration}"
