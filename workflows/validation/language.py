"""The vocabulary of the workflow language: keys, names, namespaces and functions.

docs/workflow-language.md is the normative description; this module is its vocabulary
in code, used by every check.
"""

from workflows.validation.functions import FUNCTIONS

TOP_LEVEL_KEYS = {
    "version", "ref", "label", "description", "tags", "parameters", "output", "vars", "tasks",
    "output_map", "cancellation_policy",
}  # fmt: skip
CANCELLATION_POLICIES = ("allow_finish", "cancel_running")

TASK_TYPES = ("action", "parallel", "workflow")
TASK_KEYS = {
    "name", "type", "action", "input", "next", "when", "with_items", "batch_size", "concurrency",
    "retry", "timeout", "join", "tasks", "__chart_meta__", "wait_for",
    # Attune task keys this server stores but does not run yet (see `unsupported.py`).
    "iterate_cache", "permission_set_refs",
}  # fmt: skip
# Attune's other spellings of a task key, renamed to the canonical key before storing.
TASK_KEY_ALIASES = {"permission_set_ref": "permission_set_refs"}
# The seed's shorthand, accepted and normalised into `next` before storing.
LEGACY_TASK_KEYS = ("on_success", "on_failure", "on_complete", "on_timeout", "decision", "publish")
TRANSITION_KEYS = {"when", "publish", "do", "__chart_meta__"}
RETRY_KEYS = {"count", "delay", "backoff", "max_delay", "on_error"}
BACKOFFS = ("constant", "linear", "exponential")

RESERVED_TASK_NAMES = {
    "parameters", "vars", "workflow", "task", "tasks", "system", "config", "kv", "pack", "item",
    "batch", "index",
}  # fmt: skip

# Template namespaces and what each holds (see docs/workflow-language.md).
NAMESPACES = {
    "parameters": "the workflow's inputs, after parameter schema defaults",
    "workflow": "workflow variables: `vars` plus everything published",
    "vars": "alias of `workflow`",
    "variables": "alias of `workflow`",
    "task": "results of finished tasks: `task.<name>`",
    "tasks": "alias of `task`",
    "config": "the pack's config",
    "item": "the current element, inside `with_items` only",
    "index": "the current element's 0-based index, inside `with_items` only",
    "system": "execution id, workflow ref and start time",
    "inquiry": "answered inquiries: `inquiry.<name>` of a task with `wait_for`",
}
# executions/conductor/names.py gives the engine's templates these names but the iteration
# ones (tests/workflows/test_wait_for.py holds them equal).
# The fields of `inquiry.<name>`: what the conductor keeps of an answered inquiry (core.py).
INQUIRY_FIELDS = ("id", "status", "response", "assigned_to", "responded_by", "responded_at", "timeout_at")
ITERATION_NAMES = {"item", "index"}
# Functions about the task that just finished: valid only in a transition's `when`/`publish`.
STATUS_FUNCTIONS = {"succeeded", "failed", "timed_out"}
TRANSITION_FUNCTIONS = {"result", *STATUS_FUNCTIONS}
# Attune's built-in functions, available as globals: one table shared with the renderer.
BUILTIN_FUNCTIONS = frozenset(FUNCTIONS)
