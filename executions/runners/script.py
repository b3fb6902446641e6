"""The subprocess runners, `python` and `shell`, and the command runner core.local shares.

A run gets a fresh private working directory (also its HOME and TMPDIR, removed afterwards),
an environment built from scratch, its parameters on stdin or in a 0600 file, resource limits
through `prlimit`, and its own process group (docs/actions.md).
"""

import shutil
import signal
import tempfile
from pathlib import Path

from django.conf import settings

from executions import envs
from executions.runners import delivery
from executions.runners.environment import LimitsUnavailable, build_env, limits_prefix
from executions.runners.output import OutputError, parse_output
from executions.runners.process import run_process
from executions.runners.results import failed_result, result_object


class CannotStart(Exception):
    """The action cannot be started (no entry point, no environment): a failed run."""


def run_python(context) -> dict:
    def argv(script: Path) -> tuple[list[str], list[Path]]:
        try:
            python = envs.ensure_env(context.action.pack)
        except envs.EnvBuildError as exc:
            raise CannotStart(
                f"the Python environment of pack '{context.action.pack.ref}' could not be built: {exc}"
            ) from None
        return [str(python), "-I", str(script)], [python.parent]

    return _run_script(context, argv)


def run_shell(context) -> dict:
    return _run_script(context, lambda script: (["/bin/sh", str(script)], []))


def _run_script(context, argv_for) -> dict:
    action = context.action
    try:
        pack_dir = _pack_dir(action.pack)
        argv, path_first = argv_for(_entry_point(pack_dir, action.entry_point))
    except CannotStart as exc:
        return failed_result(str(exc))
    payload = delivery.encode(context.parameters, action.parameter_format)
    return run_command(
        context,
        argv,
        pack_dir=pack_dir,
        payload=payload,
        delivery_mode=action.parameter_delivery,
        parameter_format=action.parameter_format,
        output_format=action.output_format,
        path_first=path_first,
    )


def _pack_dir(pack) -> Path:
    if not pack.source_dir:
        raise CannotStart(f"pack '{pack.ref}' has no directory on disk: load it from one to run its actions")
    return Path(pack.source_dir).resolve()


def _entry_point(pack_dir: Path, entry_point: str) -> Path:
    actions_dir = pack_dir / "actions"
    script = (actions_dir / entry_point).resolve()
    if not script.is_relative_to(actions_dir.resolve()):
        raise CannotStart(f"entry point '{entry_point}' is outside the pack's actions/ directory")
    if not script.is_file():
        raise CannotStart(f"entry point '{entry_point}' does not exist in the pack's actions/ directory")
    return script


def run_command(
    context,
    argv,
    *,
    pack_dir=None,
    payload=None,
    delivery_mode="stdin",
    parameter_format="json",
    output_format="text",
    cwd=None,
    extra_env=None,
    timeout=None,
    path_first=(),
) -> dict:
    """Run `argv` as an action process and return its result object."""
    timeout = timeout or context.timeout_seconds
    run_dir = Path(tempfile.mkdtemp(prefix=f"attune-run-{context.execution_id}-"))  # mode 0700
    try:
        parameter_file = None
        if payload is not None and delivery_mode == "file":
            parameter_file = delivery.write_file(run_dir, parameter_format, payload)
            payload = None
        env = build_env(
            context,
            run_dir=run_dir,
            pack_dir=pack_dir,
            delivery=delivery_mode,
            parameter_format=parameter_format,
            parameter_file=parameter_file,
            path_first=path_first,
        )
        env.update(extra_env or {})
        try:
            outcome = run_process(
                limits_prefix(timeout) + list(argv),
                env=env,
                cwd=cwd or run_dir,
                stdin_data=payload,
                timeout=timeout,
                cancel=context.cancel,
                max_output=settings.ATTUNE_ACTION_MAX_OUTPUT_BYTES,
                grace=settings.ATTUNE_ACTION_KILL_GRACE_SECONDS,
            )
        except (OSError, LimitsUnavailable) as exc:
            return failed_result(f"the action could not be started: {exc}")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result_of(outcome, output_format, timeout)


def result_of(outcome, output_format: str, timeout) -> dict:
    """The result object of a finished process (docs/actions.md, "Exit status")."""
    data, parse_error = None, None
    try:
        data = parse_output(outcome.stdout, output_format)
    except OutputError as exc:
        parse_error = str(exc)
    fields = {
        "stdout": outcome.stdout,
        "stderr": outcome.stderr,
        "data": data,
        "duration_ms": outcome.duration_ms,
        "stdout_truncated": outcome.stdout_truncated,
        "stderr_truncated": outcome.stderr_truncated,
    }
    code = outcome.returncode
    if outcome.timed_out:
        return failed_result(
            f"timed out after {_seconds(timeout)} seconds", exit_code=-1, timed_out=True, **fields
        )
    if outcome.cancelled:
        return failed_result("cancelled", exit_code=_exit_code(code), cancelled=True, **fields)
    if code == 0:
        if parse_error:
            return failed_result(parse_error, exit_code=0, **fields)
        return result_object(succeeded=True, exit_code=0, **fields)
    if code < 0:
        return failed_result(f"killed by signal {_signal_name(-code)}", exit_code=_exit_code(code), **fields)
    return failed_result(_last_line(outcome.stderr) or f"exited with code {code}", exit_code=code, **fields)


def _exit_code(code: int) -> int:
    return 128 - code if code < 0 else code  # a signal as the shell shows it: 128 + N


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _seconds(timeout) -> str:
    return str(int(timeout)) if float(timeout).is_integer() else str(timeout)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
