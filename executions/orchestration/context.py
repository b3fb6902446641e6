"""What the conductor may read about a workflow execution, built from its rows."""

import time

from django.conf import settings

from executions.conductor import Context
from executions.conductor.limits import DEFAULT_LIMITS

# Conductor terms for an Execution's terminal status.
RUN_STATUS = {
    "completed": "succeeded",
    "failed": "failed",
    "timeout": "timed_out",
    "cancelled": "cancelled",
    "abandoned": "abandoned",
}


def limits() -> dict:
    return {name: getattr(settings, name, default) for name, default in DEFAULT_LIMITS.items()}


def context_of(workflow_execution) -> "Context":
    execution = workflow_execution.execution
    started = execution.started_at or execution.created
    start_time = started.isoformat() if started else None
    system = {
        "execution_id": execution.id,
        "workflow_ref": workflow_execution.workflow_ref,
        "pack_ref": workflow_execution.pack_ref,
        "start_time": start_time,
        "workflow_start": start_time,
        "root_execution_id": execution.root_id or execution.id,
        "parent_execution_id": execution.parent_id,
    }
    return Context(
        parameters=execution.input or {},
        config=workflow_execution.config or {},
        system=system,
        now=time.time(),
        limits=limits(),
    )
