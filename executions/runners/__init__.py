"""Running one action: the runner contract (docs/actions.md).

`run_action(context)` runs the action once and returns its result object; it never raises
for a problem of the action's own (a missing entry point, a bad parameter, a crash): those
are failed results. Which runner serves an action is its `runner_type`. Before any runner
starts, the parameters get their schema defaults and are validated (invalid: nothing runs);
after it ends, the run's secret values are masked in everything the result holds.
"""

import threading
from dataclasses import dataclass, field

from executions.parameters import ParametersInvalid, resolve_parameters
from executions.runners import builtin, script
from executions.runners.results import failed_result
from executions.runners.secrets import mask, secret_values


@dataclass
class RunContext:
    execution_id: int
    attempt: int
    action: object  # actions.models.Action
    parameters: dict  # the real values; schema defaults are applied again here (idempotent)
    timeout_seconds: int
    env_vars: dict = field(default_factory=dict)
    executor: object = None  # the user who started the run, or None
    # Set by the worker when a cancel is requested; runners stop as soon as they see it.
    cancel: threading.Event = field(default_factory=threading.Event)
    # The exact secret values of this run (filled by run_action): masked in the result.
    secrets: list = field(default_factory=list)
    # The secret texts the run's row holds (`Execution.secret_texts`: its workflow's too).
    inherited_secrets: list = field(default_factory=list)


def run_action(context: RunContext) -> dict:
    action = context.action
    context.secrets = secret_values(action, context.parameters or {}, context.inherited_secrets)
    runner = RUNNERS.get(action.runner_type)
    if runner is None:
        result = failed_result(f"runner type '{action.runner_type}' cannot run here")
    else:
        try:
            context.parameters = resolve_parameters(action.parameters, context.parameters)
        except ParametersInvalid as exc:
            result = failed_result(f"invalid parameters: {exc}", parameter_errors=exc.errors)
        else:
            # Defaults may be secret too.
            context.secrets = secret_values(action, context.parameters, context.inherited_secrets)
            result = runner(context)
    return mask(result, context.secrets)


RUNNERS = {"builtin": builtin.run, "python": script.run_python, "shell": script.run_shell}
