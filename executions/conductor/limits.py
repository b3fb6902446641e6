"""Runtime limits the conductor enforces (docs: Runtime limits). Values come from
Context.limits (the settings of the same name); the defaults here serve pure callers."""

import json
from typing import Any

DEFAULT_LIMITS = {
    "ATTUNE_MAX_TASK_ACTIVATIONS": 1000,
    "ATTUNE_MAX_RUNS_PER_EXECUTION": 100_000,
    "ATTUNE_WITH_ITEMS_MAX": 10_000,
    "ATTUNE_MAX_INLINE_STEPS": 10_000,
    "ATTUNE_RESULT_MAX_BYTES": 1024 * 1024,
    "ATTUNE_VARIABLES_MAX_BYTES": 4 * 1024 * 1024,
}


def limit(context, name: str) -> int:
    return int((context.limits or {}).get(name, DEFAULT_LIMITS[name]))


def json_size(value: Any) -> int:
    """Bytes of the value as compact UTF-8 JSON: what the state and the rows store."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def result_problem(context, result: Any) -> str | None:
    """C3: a run's result over ATTUNE_RESULT_MAX_BYTES fails that run (the error says why)."""
    maximum = limit(context, "ATTUNE_RESULT_MAX_BYTES")
    size = json_size(result)
    if size <= maximum:
        return None
    return f"the result is {size} bytes, over ATTUNE_RESULT_MAX_BYTES ({maximum})"


def variables_problem(context, variables: dict) -> str | None:
    """C3: variables over ATTUNE_VARIABLES_MAX_BYTES after a publish fail the workflow."""
    maximum = limit(context, "ATTUNE_VARIABLES_MAX_BYTES")
    size = json_size(variables)
    if size <= maximum:
        return None
    return f"the variables would be {size} bytes, over ATTUNE_VARIABLES_MAX_BYTES ({maximum})"
