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


class Kind(models.TextChoices):
    ACTION = "action"
    WORKFLOW = "workflow"


class Execution(models.Model):
    """One run of an action (and, with orchestration, of a workflow and of each task).

    The row is the source of truth: every change of state is a conditional UPDATE (a status
    guard, and the lease holder for a running run), so a duplicate delivery, a zombie worker
    or two sweepers change nothing twice. See docs/executions.md.
    """

    id = models.BigAutoField(primary_key=True)
    # `workflow`: a workflow execution (it has a WorkflowExecution); `action`: one action run.
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACTION)
    action_ref = models.CharField(max_length=193, db_index=True)
    action = models.ForeignKey(
        "actions.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    workflow = models.ForeignKey(
        "workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    # A task run's (or nested workflow's) workflow execution, and the top-level execution.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="descendants"
    )
    # Which run of which task this is: the task's name (unique in a definition), its
    # activation (the task's run number in the execution: loops), the with_items index.
    task_name = models.CharField(max_length=255, blank=True, default="")
    activation = models.PositiveIntegerField(default=0)
    item_index = models.PositiveIntegerField(null=True, blank=True)
    # Completion order under the workflow's lock (S29), and whether the engine has advanced
    # the workflow past this run (with its end when the lock is free, else after it; the
    # sweeper repairs a crash in between).
    finished_seq = models.BigIntegerField(null=True, blank=True)
    advanced = models.BooleanField(default=False)
    # When a nested workflow's task timeout runs out (the worker enforces an action's).
    deadline_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    # The parameters with secrets redacted: what the API and the admin show.
    config = models.JSONField(default=dict, blank=True)
    # The real parameters and the caller's extra environment: read by the runner only, never
    # serialised, shown or logged.
    input = models.JSONField(default=dict, blank=True, editable=False)
    env_vars = models.JSONField(default=dict, blank=True, editable=False)
    # The texts masked wherever this execution is shown: the real values of its own secret
    # parameters and those of every workflow execution above it (a task run inherits its
    # workflow's secrets). Written at creation, read with the row; like `input`, never shown.
    secret_texts = models.JSONField(default=list, blank=True, editable=False)
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
            models.Index(fields=["parent", "task_name"], name="execution_task_idx"),
            # The sweeper: finished task runs the engine has not advanced past.
            models.Index(
                fields=["finished_at"],
                name="execution_unadvanced_idx",
                condition=Q(advanced=False, parent__isnull=False, finished_at__isnull=False),
            ),
        ]
        constraints = [
            # One row per (task, activation, item, attempt): creating a task run is idempotent.
            models.UniqueConstraint(
                fields=["parent", "task_name", "activation", "item_index", "attempt"],
                name="execution_task_run_unique",
                condition=Q(parent__isnull=False, item_index__isnull=False) & ~Q(task_name=""),
            ),
            models.UniqueConstraint(
                fields=["parent", "task_name", "activation", "attempt"],
                name="execution_task_run_unique_noitem",
                condition=Q(parent__isnull=False, item_index__isnull=True) & ~Q(task_name=""),
            ),
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


class WorkflowExecution(models.Model):
    """The engine's state of one workflow execution (1:1 with its `Execution`).

    Everything the conductor needs to take the next step is here, saved in the same
    transaction as the step: the definition snapshotted at start (S1), the variables, the
    per-task state, and the step counters. See docs/workflow-language.md#execution-semantics.
    """

    execution = models.OneToOneField(
        Execution, primary_key=True, on_delete=models.CASCADE, related_name="workflow_execution"
    )
    workflow_ref = models.CharField(max_length=193)
    pack_ref = models.CharField(max_length=128)
    definition = models.JSONField()
    # The pack's config at start, real values (secrets too): rendered into inputs, never shown.
    config = models.JSONField(default=dict, blank=True, editable=False)
    variables = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    # Finished runs sequenced so far (finished_seq), and advance steps taken.
    seq = models.BigIntegerField(default=0)
    steps = models.BigIntegerField(default=0)
    cancellation_policy = models.CharField(max_length=20, default="allow_finish")
    depth = models.PositiveSmallIntegerField(default=0)  # nesting of `type: workflow`
    error = models.JSONField(null=True, blank=True)
    # The earliest timer the conductor set (a parallel group's timeout, ...): the sweeper
    # advances the workflow with a tick once it is due. A row with a due time, never a sleep.
    wake_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.workflow_ref} #{self.execution_id}"


class ExecutionEvent(models.Model):
    """Append-only log of what happened in an execution tree (live progress, audit, tests)."""

    id = models.BigAutoField(primary_key=True)
    root = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="tree_events")
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)  # status, task, publish, trigger, inquiry
    payload = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["root", "id"], name="event_root_idx")]

    def __str__(self):
        return f"{self.kind} of #{self.execution_id}"


class InquiryStatus(models.TextChoices):
    PENDING = "pending"
    RESPONDED = "responded"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


class Inquiry(models.Model):
    """A question to a person (Attune's inquiry): created by a task run, answered over the API.

    A later task with `wait_for: {inquiry: ...}` starts only once it is answered.
    """

    id = models.BigAutoField(primary_key=True)
    # The run that asked (its workflow execution is `execution.parent`).
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="inquiries")
    task = models.CharField(max_length=255, blank=True, default="")
    prompt = models.TextField(blank=True, default="")
    schema = models.JSONField(default=dict, blank=True)
    response = models.JSONField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=InquiryStatus.choices, default=InquiryStatus.PENDING)
    timeout_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "inquiries"
        permissions = [("respond_inquiry", "Can respond to inquiries")]
        indexes = [
            models.Index(fields=["timeout_at"], name="inquiry_timeout_idx", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"inquiry #{self.id} ({self.status})"
