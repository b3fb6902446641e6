from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    """Attune's execution status enum, in lifecycle order."""

    REQUESTED = "requested"
    SCHEDULING = "scheduling"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELING = "canceling"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


TERMINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.TIMEOUT, Status.CANCELLED, Status.ABANDONED})
LIVE = frozenset({Status.RUNNING, Status.CANCELING})  # a worker holds a lease


class Execution(models.Model):
    """One run of an action (and, with orchestration, of a workflow and of each task).

    The row is the source of truth: every change of state is a conditional UPDATE (a status
    guard, and the lease holder for a running run), so a duplicate delivery, a zombie worker
    or two sweepers change nothing twice. See docs/executions.md.
    """

    id = models.BigAutoField(primary_key=True)
    action_ref = models.CharField(max_length=193, db_index=True)
    action = models.ForeignKey(
        "actions.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    # The parameters with secrets redacted: what the API and the admin show.
    config = models.JSONField(default=dict, blank=True)
    # The real parameters and the caller's extra environment: read by the runner only, never
    # serialised, shown or logged.
    input = models.JSONField(default=dict, blank=True, editable=False)
    env_vars = models.JSONField(default=dict, blank=True, editable=False)
    result = models.JSONField(null=True, blank=True)
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    worker = models.CharField(max_length=255, blank=True, default="")
    timeout_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Retry lineage: the first attempt of which this run is a retry (Attune's field).
    original_execution = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    attempt = models.PositiveIntegerField(default=0)
    max_retries = models.PositiveIntegerField(default=0)
    workflow_task = models.JSONField(null=True, blank=True)
    queue = models.CharField(max_length=200, default="attune.run")
    # Claims take scheduled runs whose run_after has passed (retry timers are future values).
    run_after = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("run_local_command", "Can run shell commands on a worker (core.local)"),
        ]
        indexes = [
            # The claim: due scheduled runs of the queues a worker serves, oldest first.
            models.Index(
                fields=["queue", "run_after", "id"],
                name="execution_claim_idx",
                condition=Q(status="scheduled"),
            ),
            # The sweeper: leases that ran out.
            models.Index(
                fields=["lease_expires_at"],
                name="execution_lease_idx",
                condition=Q(status__in=["running", "canceling"]),
            ),
            models.Index(fields=["status", "updated"], name="execution_status_idx"),
        ]

    def __str__(self):
        return f"{self.action_ref} #{self.id}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def duration_ms(self) -> int | None:
        if self.started_at and self.finished_at:
            return int((self.finished_at - self.started_at).total_seconds() * 1000)
        return None
