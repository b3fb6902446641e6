"""Per-pack Python environments (docs/actions.md, "Python environments").

A pack with a `requirements.txt` runs its python actions in its own virtualenv,
`ATTUNE_ENVS_DIR/<pack>/py3.11-<sha256(requirements.txt)[:12]>`, so a changed file means a new
environment and the old one is never modified under a running action. Packs without one share
a plain venv, `ATTUNE_ENVS_DIR/_shared/py3.11`. An environment is built in a temporary sibling
directory and renamed into place once complete, under an exclusive file lock, so concurrent
workers build it once and no one runs in a half-built one.
"""

import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

PYTHON_TAG = f"py{sys.version_info.major}.{sys.version_info.minor}"
SHARED = "_shared"  # not a pack ref: those start with a lowercase letter
READY_MARKER = ".attune-ready"
OUTPUT_TAIL_CHARS = 2000


class EnvBuildError(Exception):
    """The environment could not be built; the message says why (pip's last words)."""


def requirements_file(pack) -> Path | None:
    if not pack.source_dir:
        return None
    path = Path(pack.source_dir) / "requirements.txt"
    return path if path.is_file() else None


def env_dir(pack, envs_dir=None) -> Path:
    root = Path(envs_dir or settings.ATTUNE_ENVS_DIR)
    requirements = requirements_file(pack)
    if requirements is None:
        return root / SHARED / PYTHON_TAG
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    return root / pack.ref / f"{PYTHON_TAG}-{digest}"


def interpreter(directory: Path) -> Path:
    return directory / "bin" / "python"


def is_ready(directory: Path) -> bool:
    return (directory / READY_MARKER).is_file()


def ensure_env(pack, envs_dir=None, rebuild=False) -> Path:
    """The interpreter of the pack's environment, built first when missing (or `rebuild`)."""
    target = env_dir(pack, envs_dir)
    if is_ready(target) and not rebuild:
        return interpreter(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if is_ready(target) and not rebuild:  # another worker built it while we waited
            return interpreter(target)
        _build(target, requirements_file(pack))
    return interpreter(target)


def build(pack, envs_dir=None, rebuild=False) -> tuple[Path, bool]:
    """Make sure the pack's environment exists; (its directory, whether it was built now)."""
    target = env_dir(pack, envs_dir)
    existed = is_ready(target)
    ensure_env(pack, envs_dir, rebuild=rebuild)
    return target, rebuild or not existed


@contextmanager
def _locked(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(target: Path, requirements: Path | None) -> None:
    building = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-"))
    try:
        # The worker's own pip installs into the new env (`pip --python`), so the env needs
        # no pip of its own: seconds faster per build. Without one, the env gets its own.
        own_pip = requirements is not None and importlib.util.find_spec("pip") is None
        venv_options = [] if own_pip else ["--without-pip"]
        _run([_base_python(), "-m", "venv", *venv_options, str(building)], "python -m venv")
        if requirements:
            pip = (
                [str(interpreter(building)), "-m", "pip"]
                if own_pip
                else [sys.executable, "-m", "pip", "--python", str(interpreter(building))]
            )
            _run(
                [*pip, "install", "--disable-pip-version-check", "--no-input", "-r", str(requirements)],
                "pip install",
            )
        (building / READY_MARKER).write_text(str(requirements or "") + "\n")
        if target.exists():  # a rebuild: move the old one aside, then replace it
            retired = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            target.rename(retired / "env")
            shutil.rmtree(retired)
        building.rename(target)
        _repoint_scripts(target, building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _base_python() -> str:
    # The worker's interpreter, not the worker's venv: a pack's env must not see its packages.
    return getattr(sys, "_base_executable", None) or sys.executable


def _run(argv: list[str], what: str) -> None:
    from executions.runners.environment import SERVER_SECRETS  # here: the runners import this module

    # pip needs the operator's index and proxy settings, never the server's secrets.
    env = {name: value for name, value in os.environ.items() if name not in SERVER_SECRETS}
    try:
        completed = subprocess.run(  # noqa: S603 - argv is our own: the base python, venv, pip
            argv, env=env, capture_output=True, text=True, timeout=settings.ATTUNE_ENV_BUILD_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise EnvBuildError(f"{what} took longer than {settings.ATTUNE_ENV_BUILD_TIMEOUT} seconds") from None
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip()[-OUTPUT_TAIL_CHARS:]
        raise EnvBuildError(f"{what} exited with code {completed.returncode}: {tail}")


def _repoint_scripts(target: Path, built_at: Path) -> None:
    """Scripts pip installed name the build directory in their `#!` line; point them here."""
    old, new = str(built_at).encode(), str(target).encode()
    for script in (target / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        content = script.read_bytes()
        if old in content:
            script.write_bytes(content.replace(old, new))
