"""Starting a workflow execution: top level (the API, `run_workflow`, the admin) or nested
(a `type: workflow` task). The one place the rules of docs/workflow-language.md "Start" live.
"""

import copy

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from executions import conductor, events, service
from executions.models import Execution, Kind, Status, WorkflowExecution
from executions.parameters import ParametersInvalid, resolve_parameters
from executions.redaction import redact, secret_texts
from workflows.models import Workflow
from workflows.validation.normalize import normalize


def find_workflow(ref: str) -> Workflow | None:
    """The workflow named `ref`, directly or through its companion action."""
    workflow = Workflow.objects.select_related("pack").filter(ref=ref).first()
    if workflow is None:
        from actions.models import Action

        action = (
            Action.objects.select_related("workflow__pack").filter(ref=ref, runner_type="workflow").first()
        )
        workflow = action.workflow if action else None
    return workflow


def resolve_workflow_parameters(workflow: Workflow, parameters) -> dict:
    """S2: defaults for missing or null inputs, then the schema; ExecutionInvalid per field."""
    schema = workflow.param_schema or {}
    try:
        return resolve_parameters(schema, parameters)
    except ParametersInvalid as exc:
        errors = {
            "parameters" if name == "parameters" else f"parameters.{name}": messages
            for name, messages in exc.errors.items()
        }
        raise service.ExecutionInvalid(f"Invalid parameters for '{workflow.ref}': {exc}", errors) from None


def check_startable(workflow: Workflow) -> None:
    if not workflow.enabled:
        raise service.ActionUnavailable(f"Workflow '{workflow.ref}' is disabled")


def start_workflow(workflow: Workflow, parameters, *, executor=None) -> Execution:
    """Create and start a top-level workflow execution; ExecutionRefused creates nothing."""
    from .advance import advance_on_commit

    check_startable(workflow)
    resolved = resolve_workflow_parameters(workflow, parameters)
    with transaction.atomic():
        execution = create_workflow_execution(
            workflow, resolved, executor_id=executor.id if executor else None
        )
        advance_on_commit(execution.id)
    return execution


def create_workflow_execution(
    workflow, resolved: dict, *, executor_id=None, run_fields=None, depth=0, deadline_at=None, inherited=()
):
    """The rows of a new workflow execution, its first step applied (inside the caller's
    transaction). `run_fields` make it a task run of a parent workflow execution, whose
    secret texts it `inherited` (and passes on to its own task runs)."""
    from .steps import apply_step

    now = timezone.now()
    config = redact(workflow.param_schema or {}, resolved, inherited)
    execution = Execution.objects.create(
        kind=Kind.WORKFLOW,
        action_ref=workflow.ref,
        action=getattr(workflow, "action", None),  # its companion action, if it has one
        workflow=workflow,
        status=Status.RUNNING,
        started_at=now,
        config=config,
        input=resolved,
        secret_texts=secret_texts(config, resolved, inherited),
        executor_id=executor_id,
        deadline_at=deadline_at,
        **(run_fields or {}),
    )
    definition, _ = normalize(copy.deepcopy(workflow.definition))
    workflow_execution = WorkflowExecution.objects.create(
        execution=execution,
        workflow_ref=workflow.ref,
        pack_ref=workflow.pack.ref,
        definition=definition,
        config=copy.deepcopy(workflow.pack.config or {}),
        variables=copy.deepcopy(definition.get("vars") or {}),
        cancellation_policy=definition.get("cancellation_policy") or "allow_finish",
        depth=depth,
    )
    workflow_execution.execution = execution
    events.status_changed([execution.id])
    from .context import context_of

    step = conductor.start(definition, context_of(workflow_execution))
    apply_step(workflow_execution, step)
    if run_fields is not None:
        # A nested start may already hold finished runs (unknown action, nesting too deep):
        # nobody else advances this execution now, so without this they wait for the sweeper.
        from .advance import advance_on_commit

        advance_on_commit(execution.id)
    return execution


def nesting_problem(depth: int) -> str | None:
    maximum = settings.ATTUNE_MAX_WORKFLOW_NESTING
    if depth > maximum:
        return f"nested workflows deeper than ATTUNE_MAX_WORKFLOW_NESTING ({maximum})"
    return None
