"""Starting executions: the one implementation the API, `run_action` and the admin call."""

from django.db import transaction

from executions.models import Execution, Status
from executions.transport import dispatch_on_commit


def queue_for(pack) -> str:
    """Routing: a pack's worker_selector labels name its queue (docs/executions.md)."""
    selector = pack.worker_selector or {}
    if not selector:
        return "attune.run"
    return "attune.sel." + ",".join(f"{key}={selector[key]}" for key in sorted(selector))


def start_execution(
    action, parameters: dict, *, executor=None, timeout_seconds=None, env_vars=None, max_retries=0
) -> Execution:
    """Create a scheduled execution of `action` and dispatch it once the transaction commits."""
    with transaction.atomic():
        execution = Execution.objects.create(
            action_ref=action.ref,
            action=action,
            status=Status.SCHEDULED,
            config=dict(parameters),
            input=dict(parameters),
            env_vars=dict(env_vars or {}),
            executor=executor,
            timeout_seconds=timeout_seconds or action.timeout,
            max_retries=max_retries,
            queue=queue_for(action.pack),
        )
        dispatch_on_commit([execution.id])
    return execution
