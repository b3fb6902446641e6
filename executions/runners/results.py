"""The result object of a run: `{succeeded, exit_code, stdout, stderr, data, error, timed_out,
duration_ms, stdout_truncated, stderr_truncated}` (docs/actions.md), plus the keys of `data`
that collide with none of these (Attune reads them at the top level)."""

RESULT_KEYS = (
    "succeeded",
    "exit_code",
    "stdout",
    "stderr",
    "data",
    "error",
    "timed_out",
    "duration_ms",
    "stdout_truncated",
    "stderr_truncated",
)


def result_object(
    *,
    succeeded: bool,
    exit_code: int | None = None,
    stdout: str = "",
    stderr: str = "",
    data=None,
    error: str | None = None,
    timed_out: bool = False,
    duration_ms: int = 0,
    stdout_truncated: bool = False,
    stderr_truncated: bool = False,
    **extra,
) -> dict:
    result = {
        "succeeded": succeeded,
        "exit_code": exit_code,
        "stdout": stdout,
        "stderr": stderr,
        "data": data,
        "error": error,
        "timed_out": timed_out,
        "duration_ms": duration_ms,
        "stdout_truncated": stdout_truncated,
        "stderr_truncated": stderr_truncated,
        **extra,
    }
    if isinstance(data, dict):  # Attune: data's keys are readable at the top level too
        result.update({key: value for key, value in data.items() if key not in result})
    return result


def failed_result(error: str, **fields) -> dict:
    return result_object(succeeded=False, error=error, **fields)
