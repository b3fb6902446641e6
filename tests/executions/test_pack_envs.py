"""Per-pack Python environments: built from requirements.txt, used by the pack's actions,
shared when a pack has none, built by commands or lazily by the runner, once."""

import io
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from executions import envs
from tests.executions.runner_helpers import make_pack_dir, run, script_action

pytestmark = pytest.mark.django_db

SHOW_ENV = """
    import json, sys
    try:
        import six
        where = six.__file__
    except ImportError:
        where = None
    print(json.dumps({"prefix": sys.prefix, "six": where}))
"""


@pytest.fixture(scope="session")
def six_pack(tmp_path_factory):
    """A pack directory whose requirements.txt names `six`, and its environment, built once."""
    root = tmp_path_factory.mktemp("sixpacks")
    (root / "sixpack" / "actions").mkdir(parents=True)
    (root / "sixpack" / "requirements.txt").write_text("six\n")
    envs_dir = tmp_path_factory.mktemp("sixenvs")
    envs.ensure_env(SimpleNamespace(ref="sixpack", source_dir=str(root / "sixpack")), envs_dir)
    return SimpleNamespace(root=root, envs_dir=envs_dir)


@pytest.fixture
def six_pack_row(six_pack, settings):
    settings.ATTUNE_ENVS_DIR = six_pack.envs_dir
    return make_pack_dir(six_pack.root, "sixpack")


def test_a_python_action_imports_from_its_packs_environment(six_pack, six_pack_row):
    action = script_action(
        None, "show", SHOW_ENV, runner_type="python", pack=six_pack_row, output_format="json"
    )
    result = run(action)
    assert result["succeeded"] is True, result
    env_dir = envs.env_dir(six_pack_row)
    assert env_dir.parent == six_pack.envs_dir / "sixpack"
    assert env_dir.name.startswith(f"{envs.PYTHON_TAG}-") and len(env_dir.name) == len(envs.PYTHON_TAG) + 13
    assert Path(result["data"]["prefix"]) == env_dir
    assert Path(result["data"]["six"]).is_relative_to(env_dir)


def test_a_pack_without_requirements_runs_in_the_shared_plain_environment(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    pack = make_pack_dir(tmp_path, "plain")
    result = run(
        script_action(tmp_path, "show", SHOW_ENV, runner_type="python", pack=pack, output_format="json")
    )
    assert result["succeeded"] is True, result
    assert Path(result["data"]["prefix"]) == tmp_path / "envs" / "_shared" / envs.PYTHON_TAG
    assert result["data"]["six"] is None  # neither the worker's venv nor another pack's leaks in


def test_the_environment_is_keyed_by_the_requirements_hash(tmp_path):
    pack = SimpleNamespace(ref="p", source_dir=str(tmp_path))
    (tmp_path / "requirements.txt").write_text("six\n")
    first = envs.env_dir(pack, tmp_path / "envs")
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    second = envs.env_dir(pack, tmp_path / "envs")
    assert first != second and first.parent == second.parent == tmp_path / "envs" / "p"


def test_a_missing_environment_is_built_lazily_on_the_first_run(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    pack = make_pack_dir(tmp_path, "lazy", {"requirements.txt": "# nothing to install\n"})
    assert not envs.is_ready(envs.env_dir(pack))
    result = run(
        script_action(tmp_path, "show", SHOW_ENV, runner_type="python", pack=pack, output_format="json")
    )
    assert result["succeeded"] is True, result
    assert envs.is_ready(envs.env_dir(pack))
    assert Path(result["data"]["prefix"]) == envs.env_dir(pack)
    assert not [p for p in envs.env_dir(pack).parent.iterdir() if ".build-" in p.name]


def test_an_environment_that_cannot_be_built_fails_the_run_and_leaves_nothing(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    pack = make_pack_dir(tmp_path, "broken", {"requirements.txt": "this is not a requirement!!!\n"})
    result = run(script_action(tmp_path, "show", SHOW_ENV, runner_type="python", pack=pack))
    assert result["succeeded"] is False
    assert result["error"].startswith(
        "the Python environment of pack 'broken' could not be built: pip install exited"
    )
    assert list((tmp_path / "envs" / "broken").iterdir()) == [
        envs.env_dir(pack).parent / f".{envs.env_dir(pack).name}.lock"
    ]


def test_concurrent_first_runs_build_the_environment_once(tmp_path, monkeypatch):
    builds = []
    real_build = envs._build

    def counting_build(target, requirements):
        builds.append(target)
        real_build(target, requirements)

    monkeypatch.setattr(envs, "_build", counting_build)
    pack = SimpleNamespace(ref="p", source_dir=str(tmp_path))
    threads = [threading.Thread(target=envs.ensure_env, args=(pack, tmp_path / "envs")) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [tmp_path / "envs" / "_shared" / envs.PYTHON_TAG]
    assert envs.interpreter(builds[0]).exists()


def test_build_pack_env_reports_an_existing_environment_up_to_date(six_pack_row):
    out = io.StringIO()
    call_command("build_pack_env", "sixpack", stdout=out)
    assert out.getvalue().strip() == f"sixpack: own environment up to date: {envs.env_dir(six_pack_row)}"


def test_build_pack_env_builds_a_missing_one(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    make_pack_dir(tmp_path, "fresh")
    out = io.StringIO()
    call_command("build_pack_env", "fresh", stdout=out)
    shared = tmp_path / "envs" / "_shared" / envs.PYTHON_TAG
    assert out.getvalue().strip() == f"fresh: shared environment built: {shared}"
    assert envs.is_ready(shared)


def test_build_pack_env_refuses_an_unknown_pack(db):
    with pytest.raises(CommandError, match="no such pack: ghost"):
        call_command("build_pack_env", "ghost", stdout=io.StringIO())


def test_load_pack_build_envs_builds_after_loading(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    pack_dir = tmp_path / "loadme"
    pack_dir.mkdir()
    (pack_dir / "pack.yaml").write_text("ref: loadme\nlabel: Load me\nversion: 1.0.0\n")
    out = io.StringIO()
    call_command("load_pack", str(pack_dir), "--build-envs", stdout=out)
    assert "loadme: shared environment built" in out.getvalue()
    assert envs.is_ready(tmp_path / "envs" / "_shared" / envs.PYTHON_TAG)


def test_load_pack_without_the_flag_builds_nothing(tmp_path, settings):
    settings.ATTUNE_ENVS_DIR = tmp_path / "envs"
    pack_dir = tmp_path / "loadme"
    pack_dir.mkdir()
    (pack_dir / "pack.yaml").write_text("ref: loadme\nlabel: Load me\nversion: 1.0.0\n")
    call_command("load_pack", str(pack_dir), stdout=io.StringIO())
    assert not (tmp_path / "envs").exists()
