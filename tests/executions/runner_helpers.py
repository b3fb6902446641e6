"""Making packs on disk, their actions, and running them through the runner contract."""

import textwrap
import threading
from pathlib import Path

import pytest

from actions.models import Action
from executions.runners import RunContext, run_action
from packs.models import Pack


@pytest.fixture(scope="session")
def session_envs_dir(tmp_path_factory):
    """One ATTUNE_ENVS_DIR for the session, so the shared venv is built once."""
    return tmp_path_factory.mktemp("envs")


@pytest.fixture
def envs_dir(settings, session_envs_dir):
    settings.ATTUNE_ENVS_DIR = session_envs_dir
    return session_envs_dir


def make_pack_dir(root, ref="demo", files=None, **fields) -> Pack:
    """A pack row whose source_dir holds `files` ({relative path: text}) under `root`."""
    directory = root / ref
    (directory / "actions").mkdir(parents=True, exist_ok=True)
    for relative, text in (files or {}).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    fields.setdefault("label", ref.title())
    fields.setdefault("version", "1.0.0")
    return Pack.objects.create(ref=ref, source_dir=str(directory), **fields)


def make_action(pack, name, runner_type="shell", entry_point=None, **fields) -> Action:
    fields.setdefault("label", name)
    return Action.objects.create(
        ref=f"{pack.ref}.{name}",
        pack=pack,
        runner_type=runner_type,
        entry_point=entry_point if entry_point is not None else f"{name}.sh",
        **fields,
    )


def run(
    action,
    parameters=None,
    *,
    timeout=30,
    cancel=None,
    executor=None,
    env_vars=None,
    execution_id=7,
    attempt=1,
):
    return run_action(
        RunContext(
            execution_id=execution_id,
            attempt=attempt,
            action=action,
            parameters=dict(parameters or {}),
            timeout_seconds=timeout,
            env_vars=dict(env_vars or {}),
            executor=executor,
            cancel=cancel or threading.Event(),
        )
    )


def script_action(tmp_path, name, script, runner_type="shell", pack=None, **fields) -> Action:
    """One action whose script is `script`, in pack `pack` (created when None)."""
    suffix = ".py" if runner_type == "python" else ".sh"
    if pack is None:
        pack = Pack.objects.filter(ref="demo").first() or make_pack_dir(tmp_path)
    path = Path(pack.source_dir) / "actions" / f"{name}{suffix}"
    path.write_text(textwrap.dedent(script))
    return make_action(pack, name, runner_type, f"{name}{suffix}", **fields)
