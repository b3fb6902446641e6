"""What a subprocess action starts with: its environment, built from scratch, and the
resource limits of its process (docs/actions.md, "Environment" and "Limits")."""

import os
import shutil

from django.conf import settings

# Never handed to an action, even when an operator lists them in ATTUNE_ACTION_ENV_PASSTHROUGH
# or a caller sends them: they unlock the server itself.
SERVER_SECRETS = frozenset(
    {
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "ATTUNE_JWT_SIGNING_KEY",
        "ATTUNE_ADMIN_PASSWORD",
    }
)


class LimitsUnavailable(Exception):
    """util-linux `prlimit` is missing: actions would run without resource limits."""


def build_env(context, *, run_dir, pack_dir, delivery, parameter_format, parameter_file=None, path_first=()):
    """The action's whole environment: nothing is inherited from the worker but the names
    the operator passes through; the caller's env_vars; the ATTUNE_* names last so nothing
    overrides them."""
    env = {
        "PATH": os.pathsep.join([*map(str, path_first), settings.ATTUNE_ACTION_PATH]),
        "HOME": str(run_dir),
        "TMPDIR": str(run_dir),
        "LANG": settings.ATTUNE_ACTION_LANG,
    }
    for name in settings.ATTUNE_ACTION_ENV_PASSTHROUGH:
        if name in os.environ and allowed_name(name):
            env[name] = os.environ[name]
    for name, value in (context.env_vars or {}).items():
        if allowed_name(name):
            env[name] = str(value)
    env.update(
        {
            "ATTUNE_ACTION": context.action.ref,
            "ATTUNE_EXEC_ID": str(context.execution_id),
            "ATTUNE_ATTEMPT": str(context.attempt),
            "ATTUNE_PACK_DIR": str(pack_dir or ""),
            "ATTUNE_PARAMETER_DELIVERY": delivery,
            "ATTUNE_PARAMETER_FORMAT": parameter_format,
        }
    )
    if parameter_file is not None:
        env["ATTUNE_PARAMETER_FILE"] = str(parameter_file)
    return env


def allowed_name(name: str) -> bool:
    """May a variable of this name be set in an action's environment by a caller or operator?"""
    return name not in SERVER_SECRETS and not name.startswith("ATTUNE_")


def limits_prefix(timeout_seconds: float) -> list[str]:
    """`prlimit` options putting the configured limits on the command that follows."""
    prlimit, setpriv = shutil.which("prlimit"), shutil.which("setpriv")
    if prlimit is None or setpriv is None:
        raise LimitsUnavailable(
            "cannot apply resource limits: util-linux 'prlimit' and 'setpriv' must be installed"
        )
    return [
        prlimit,
        f"--as={settings.ATTUNE_ACTION_MAX_MEMORY}",
        # CPU seconds: the wall-clock timeout stops the run first; this catches a busy child
        # that ignores SIGTERM long enough.
        f"--cpu={int(timeout_seconds) + 10}",
        f"--nofile={settings.ATTUNE_ACTION_MAX_OPEN_FILES}",
        f"--nproc={settings.ATTUNE_ACTION_MAX_PROCESSES}",
        f"--fsize={settings.ATTUNE_ACTION_MAX_FILE_BYTES}",
        "--core=0",
        "--",
        # The action dies with the worker thread that started it: a worker killed with -9
        # leaves no action running while the sweeper hands its run to another worker.
        setpriv,
        "--pdeathsig=KILL",
        "--",
    ]
