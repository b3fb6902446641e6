"""Starting executions: the one implementation the API, `run_action` and the admin call.

Every rule about what may run lives here: the action must exist and be enabled (a workflow or
its companion action starts a workflow execution: executions.orchestration), `core.local`
needs a permission, the parameters must
match the action's schema, the extra environment may not touch what the runner controls.
A refused start raises an ExecutionRefused subclass and creates nothing.
"""

import re

from django.conf import settings
from django.db import transaction

from actions.models import Action
from attune.storable import data_problem
from executions import events
from executions.models import Execution, Status
from executions.parameters import ParametersInvalid, resolve_parameters
from executions.redaction import redact
from executions.transport import dispatch_on_commit

# Starting any run (the API's execute, the admin's run forms); core.local needs the second too.
EXECUTE_PERMISSION = "executions.add_execution"
LOCAL_COMMAND_PERMISSION = "executions.run_local_command"
MAX_RETRIES = 10
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
MAX_ENV_VARS = 100
MAX_ENV_VALUE_CHARS = 32 * 1024
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Names the runner sets itself, or that change how a program is loaded or what it runs:
# a caller could use them to run code other than the action's.
REFUSED_ENV_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "CDPATH",
        "PS4",
        "PROMPT_COMMAND",
        "TMPDIR",
        "GCONV_PATH",
        "LOCPATH",
        "NLSPATH",
        "HOSTALIASES",
        "RESOLV_HOST_CONF",
        "VIRTUAL_ENV",
        "NODE_OPTIONS",
        "NODE_PATH",
        "PERL5LIB",
        "PERL5OPT",
        "PERLLIB",
        "RUBYLIB",
        "RUBYOPT",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_EXEC_PATH",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    }
)
REFUSED_ENV_PREFIXES = ("ATTUNE_", "LD_", "DYLD_", "PYTHON", "BASH_FUNC_", "MALLOC_")


class ExecutionRefused(Exception):
    """A start that was refused; `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        self.message = message
        self.errors = errors or {}
        super().__init__(message)


class ExecutionInvalid(ExecutionRefused):
    """Bad input: `errors` is `{field: [messages]}` (parameters as `parameters.<name>`)."""


class ActionUnavailable(ExecutionRefused):
    """The action exists but cannot run (disabled, or a workflow)."""


class ActionNotFound(ExecutionRefused):
    status = 404


class NotPermitted(ExecutionRefused):
    status = 403


def queue_for(pack) -> str:
    """Routing: a pack's worker_selector labels name its queue (docs/executions.md)."""
    selector = pack.worker_selector or {}
    if not selector:
        return "attune.run"
    return "attune.sel." + ",".join(f"{key}={selector[key]}" for key in sorted(selector))


def find_action(ref: str) -> Action:
    action = Action.objects.select_related("pack").filter(ref=ref).first()
    if action is None:
        raise ActionNotFound(f"Action '{ref}' not found")
    return action


def needs_local_permission(action: Action) -> bool:
    """`core.local` runs any shell command on a worker: only some users may start it. Any
    pack's built-in `local` is the same code, so it needs the same permission."""
    if action.ref == "core.local":
        return True
    return action.entry_point == "local" and (
        action.runner_type == Action.RunnerType.BUILTIN or action.pack.ref == "core"
    )


def may_execute(user) -> bool:
    return bool(user and user.has_perm(EXECUTE_PERMISSION))


def check_runnable(action: Action, executor) -> None:
    if not action.enabled:
        raise ActionUnavailable(f"Action '{action.ref}' is disabled")
    if needs_local_permission(action) and not (executor and executor.has_perm(LOCAL_COMMAND_PERMISSION)):
        raise NotPermitted(
            f"Running '{action.ref}' needs the permission '{LOCAL_COMMAND_PERMISSION}'"
            + ("" if executor else " (no user was given)")
        )


def env_var_errors(env_vars) -> dict:
    """`{"env_vars.<NAME>": [messages]}` for every refused name or value."""
    if env_vars is None:
        return {}
    if not isinstance(env_vars, dict):
        return {"env_vars": ["Must be an object of NAME: string value."]}
    if len(env_vars) > MAX_ENV_VARS:
        return {"env_vars": [f"At most {MAX_ENV_VARS} variables."]}
    errors = {}
    for name, value in env_vars.items():
        problem = _env_problem(name, value)
        if problem:
            errors[f"env_vars.{name}"] = [problem]
    return errors


def _env_problem(name: str, value) -> str | None:
    if not ENV_NAME_RE.match(name):
        return "Not a valid variable name: letters, digits and _, not starting with a digit, at most 128."
    upper = name.upper()
    if upper in REFUSED_ENV_NAMES or upper.startswith(REFUSED_ENV_PREFIXES):
        return "This variable is set by the runner or changes how programs load; it cannot be given."
    if not isinstance(value, str):
        return "The value must be a string."
    if "\x00" in value or len(value) > MAX_ENV_VALUE_CHARS:
        return f"The value must be at most {MAX_ENV_VALUE_CHARS} characters, without NUL."
    return None


def option_errors(timeout_seconds, max_retries) -> dict:
    errors = {}
    if timeout_seconds is not None and not (
        isinstance(timeout_seconds, int) and not isinstance(timeout_seconds, bool)
    ):
        errors["timeout_seconds"] = ["Must be a whole number of seconds."]
    elif timeout_seconds is not None and not 1 <= timeout_seconds <= MAX_TIMEOUT_SECONDS:
        errors["timeout_seconds"] = [f"Must be between 1 and {MAX_TIMEOUT_SECONDS}."]
    if not (isinstance(max_retries, int) and not isinstance(max_retries, bool)) or not (
        0 <= max_retries <= MAX_RETRIES
    ):
        errors["max_retries"] = [f"Must be a whole number between 0 and {MAX_RETRIES}."]
    return errors


def prepare_parameters(action: Action, parameters) -> dict:
    """The parameters resolved against the action's schema, or ExecutionInvalid."""
    if parameters is not None and (problem := data_problem(parameters, settings.ATTUNE_MAX_NESTING_DEPTH)):
        raise ExecutionInvalid("Invalid parameters", {"parameters": [problem]})
    try:
        return resolve_parameters(action.parameters, parameters)
    except ParametersInvalid as exc:
        errors = {
            "parameters" if name == "parameters" else f"parameters.{name}": messages
            for name, messages in exc.errors.items()
        }
        raise ExecutionInvalid(f"Invalid parameters for '{action.ref}': {exc}", errors) from None


def start_execution(
    action, parameters: dict | None, *, executor=None, timeout_seconds=None, env_vars=None, max_retries=0
) -> Execution:
    """Check everything, then create a scheduled execution of `action` and dispatch it once
    the transaction commits. Raises an ExecutionRefused subclass, creating nothing.

    A workflow's companion action starts the workflow (executions.orchestration)."""
    if action.runner_type == Action.RunnerType.WORKFLOW:
        if action.workflow is None:
            raise ActionUnavailable(f"Action '{action.ref}' runs a workflow that does not exist")
        return start_workflow_of(
            action.workflow,
            parameters,
            executor,
            timeout_seconds=timeout_seconds,
            env_vars=env_vars,
            max_retries=max_retries,
        )
    check_runnable(action, executor)
    errors = {**option_errors(timeout_seconds, max_retries), **env_var_errors(env_vars)}
    if errors:
        raise ExecutionInvalid("Invalid execution request", errors)
    resolved = prepare_parameters(action, parameters)
    with transaction.atomic():
        execution = Execution.objects.create(
            action_ref=action.ref,
            action=action,
            status=Status.SCHEDULED,
            config=redact(action.parameters, resolved),
            input=resolved,
            env_vars=dict(env_vars or {}),
            executor=executor,
            # Snapshotted now, as Attune does: later edits of the action change no run.
            timeout_seconds=timeout_seconds or action.timeout or settings.ATTUNE_DEFAULT_ACTION_TIMEOUT,
            max_retries=max_retries,
            queue=queue_for(action.pack),
        )
        events.status_changed([execution.id])
        dispatch_on_commit([execution.id])
    return execution


def start_by_ref(ref: str, parameters: dict | None, *, executor=None, **options) -> Execution:
    """Start the action or the workflow named `ref` (a workflow may have no companion action)."""
    action = Action.objects.select_related("pack", "workflow__pack").filter(ref=ref).first()
    if action is None:
        from executions.orchestration import find_workflow

        workflow = find_workflow(ref)
        if workflow is None:
            raise ActionNotFound(f"Action '{ref}' not found")
        return start_workflow_of(workflow, parameters, executor, **options)
    return start_execution(action, parameters, executor=executor, **options)


def start_workflow_of(workflow, parameters, executor, *, timeout_seconds=None, env_vars=None, max_retries=0):
    """A workflow execution; the run options of an action do not apply to it (400)."""
    from executions.orchestration import start_workflow

    errors = {}
    for name, value in (
        ("timeout_seconds", timeout_seconds),
        ("env_vars", env_vars),
        ("max_retries", max_retries),
    ):
        if value not in (None, 0, {}):
            errors[name] = [
                "Applies to action runs only: a workflow's tasks have their own timeout, retry and input."
            ]
    if errors:
        raise ExecutionInvalid("Invalid execution request", errors)
    return start_workflow(workflow, parameters, executor=executor)
