"""Running one action: the runner contract (docs/actions.md).

`run_action(context)` runs the action once and returns its result object; it never raises
for a problem of the action's own (a missing entry point, a bad parameter, a crash): those
are failed results. Which runner serves an action is its `runner_type`.
"""

import threading
from dataclasses import dataclass, field

from executions.runners import builtin
from executions.runners.results import failed_result


@dataclass
class RunContext:
    execution_id: int
    attempt: int
    action: object  # actions.models.Action
    parameters: dict  # the real values, schema defaults applied
    timeout_seconds: int
    env_vars: dict = field(default_factory=dict)
    executor: object = None  # the user who started the run, or None
    # Set by the worker when a cancel is requested; runners stop as soon as they see it.
    cancel: threading.Event = field(default_factory=threading.Event)


def run_action(context: RunContext) -> dict:
    runner = RUNNERS.get(context.action.runner_type)
    if runner is None:
        return failed_result(f"runner type '{context.action.runner_type}' cannot run here")
    return runner(context)


RUNNERS = {"builtin": builtin.run}
