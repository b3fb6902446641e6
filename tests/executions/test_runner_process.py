"""The subprocess runner's process: output parsing, caps, exit status, timeout and cancel,
environment, limits, working directory."""

import os
import threading
import time

import pytest

from tests.executions.runner_helpers import make_action, run, script_action

pytestmark = pytest.mark.django_db


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie no one reaped yet is dead for our purpose.
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split(") ", 1)[1][0] != "Z"


# --- output parsing ---------------------------------------------------------------------


def test_json_output_becomes_data_and_its_keys_are_read_at_the_top_level(tmp_path):
    action = script_action(
        tmp_path, "j", 'echo \'{"answer": 42, "stdout": "clash"}\'\n', output_format="json"
    )
    result = run(action)
    assert result["succeeded"] is True
    assert result["data"] == {"answer": 42, "stdout": "clash"}
    assert result["answer"] == 42
    assert result["stdout"] == '{"answer": 42, "stdout": "clash"}\n'  # a colliding key stays data's only


def test_json_output_may_be_the_last_non_empty_line_after_logging(tmp_path):
    action = script_action(tmp_path, "j", 'echo starting; echo "[1, 2]"; echo\n', output_format="json")
    assert run(action)["data"] == [1, 2]


def test_yaml_output_is_parsed_whole(tmp_path):
    action = script_action(tmp_path, "y", "printf 'a: 1\\nb: [x, y]\\n'\n", output_format="yaml")
    assert run(action)["data"] == {"a": 1, "b": ["x", "y"]}


def test_text_output_has_null_data(tmp_path):
    action = script_action(tmp_path, "t", "echo '{\"a\": 1}'\n", output_format="text")
    result = run(action)
    assert result["data"] is None and "a" not in result


def test_unparsable_output_of_a_successful_run_fails_it(tmp_path):
    action = script_action(tmp_path, "bad", "echo not json at all\n", output_format="json")
    result = run(action)
    assert result["succeeded"] is False
    assert result["exit_code"] == 0
    assert result["error"].startswith("stdout is not valid JSON")
    assert result["stdout"] == "not json at all\n"


def test_nan_is_not_json_output(tmp_path):
    action = script_action(tmp_path, "nan", "echo '{\"x\": NaN}'\n", output_format="json")
    assert run(action)["succeeded"] is False


def test_a_failed_run_keeps_its_parsed_data(tmp_path):
    script = 'echo \'{"ok": false, "reason": "denied"}\'; echo "slack said no" >&2; exit 1\n'
    action = script_action(tmp_path, "f", script, output_format="json")
    result = run(action)
    assert result["succeeded"] is False
    assert result["data"] == {"ok": False, "reason": "denied"}
    assert result["reason"] == "denied"
    assert result["error"] == "slack said no"


def test_a_failed_run_whose_output_does_not_parse_has_null_data(tmp_path):
    action = script_action(tmp_path, "f", "echo nope; exit 3\n", output_format="json")
    result = run(action)
    assert (result["data"], result["exit_code"], result["error"]) == (None, 3, "exited with code 3")


# --- exit status ------------------------------------------------------------------------


def test_exit_zero_succeeds_with_the_whole_result_object(tmp_path):
    result = run(script_action(tmp_path, "ok", "echo out; echo err >&2\n"))
    assert {k: result[k] for k in result if k != "duration_ms"} == {
        "succeeded": True,
        "exit_code": 0,
        "stdout": "out\n",
        "stderr": "err\n",
        "data": None,
        "error": None,
        "timed_out": False,
        "stdout_truncated": False,
        "stderr_truncated": False,
    }
    assert isinstance(result["duration_ms"], int) and result["duration_ms"] >= 0


def test_a_non_zero_exit_fails_with_the_last_stderr_line(tmp_path):
    result = run(script_action(tmp_path, "no", "echo first >&2; echo 'last words' >&2; exit 2\n"))
    assert (result["succeeded"], result["exit_code"], result["error"]) == (False, 2, "last words")


def test_a_run_killed_by_a_signal_fails_naming_it(tmp_path):
    result = run(script_action(tmp_path, "sig", "kill -KILL $$\n"))
    assert result["succeeded"] is False
    assert result["error"] == "killed by signal SIGKILL"
    assert result["exit_code"] == 137


def test_a_missing_entry_point_fails_without_running(tmp_path):
    pack = script_action(tmp_path, "exists", "true\n").pack
    action = make_action(pack, "ghost", entry_point="ghost.sh")
    result = run(action)
    assert result["succeeded"] is False
    assert result["error"] == "entry point 'ghost.sh' does not exist in the pack's actions/ directory"


def test_an_entry_point_outside_the_actions_directory_is_refused(tmp_path):
    pack = script_action(tmp_path, "exists", "true\n").pack
    (tmp_path / "demo" / "evil.sh").write_text("echo escaped\n")
    result = run(make_action(pack, "evil", entry_point="../evil.sh"))
    assert result["succeeded"] is False and "outside the pack's actions/ directory" in result["error"]


def test_a_pack_without_a_directory_cannot_run_scripts(make_pack):
    action = make_action(make_pack("nodisk"), "x")
    result = run(action)
    assert result["succeeded"] is False and "has no directory on disk" in result["error"]


# --- output caps ------------------------------------------------------------------------


def test_output_beyond_the_cap_is_dropped_and_flagged_and_the_child_still_finishes(tmp_path, settings):
    settings.ATTUNE_ACTION_MAX_OUTPUT_BYTES = 1000
    # 2 MB on each stream: far past a pipe's buffer, so a runner that stopped reading would hang.
    script = (
        "head -c 2000000 /dev/zero | tr '\\0' a; head -c 2000000 /dev/zero | tr '\\0' b >&2; echo done >&2\n"
    )
    result = run(script_action(tmp_path, "loud", script), timeout=20)
    assert result["succeeded"] is True
    assert result["stdout"] == "a" * 1000 and result["stdout_truncated"] is True
    assert result["stderr"] == "b" * 1000 and result["stderr_truncated"] is True


def test_output_within_the_cap_is_not_flagged(tmp_path, settings):
    settings.ATTUNE_ACTION_MAX_OUTPUT_BYTES = 1000
    result = run(script_action(tmp_path, "quiet", "head -c 1000 /dev/zero | tr '\\0' a\n"))
    assert len(result["stdout"]) == 1000 and result["stdout_truncated"] is False


# --- timeout and cancel -----------------------------------------------------------------


GRANDCHILD = 'sleep 300 & echo $! > "$PIDFILE"; wait\n'


def test_timeout_kills_the_whole_process_group(tmp_path, settings):
    settings.ATTUNE_ACTION_KILL_GRACE_SECONDS = 0.5
    pidfile = tmp_path / "grandchild.pid"
    action = script_action(tmp_path, "slow", GRANDCHILD)
    started = time.monotonic()
    result = run(action, timeout=1, env_vars={"PIDFILE": str(pidfile)})
    assert time.monotonic() - started < 5
    assert result["timed_out"] is True and result["succeeded"] is False
    assert result["exit_code"] == -1
    assert result["error"] == "timed out after 1 seconds"
    assert not _alive(int(pidfile.read_text()))


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path, settings):
    settings.ATTUNE_ACTION_KILL_GRACE_SECONDS = 0.5
    action = script_action(tmp_path, "stubborn", "trap '' TERM; sleep 30 & wait; sleep 30\n")
    started = time.monotonic()
    result = run(action, timeout=1)
    assert result["timed_out"] is True
    assert 1.4 <= time.monotonic() - started < 5


def test_cancel_stops_a_running_subprocess_and_its_children(tmp_path, settings):
    settings.ATTUNE_ACTION_KILL_GRACE_SECONDS = 0.5
    pidfile = tmp_path / "grandchild.pid"
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    result = run(
        script_action(tmp_path, "long", GRANDCHILD), cancel=cancel, env_vars={"PIDFILE": str(pidfile)}
    )
    assert time.monotonic() - started < 5
    assert result["cancelled"] is True and result["succeeded"] is False
    assert result["timed_out"] is False
    assert not _alive(int(pidfile.read_text()))


def test_processes_left_behind_by_a_finished_action_are_killed(tmp_path):
    pidfile = tmp_path / "leftover.pid"
    script = 'sleep 300 > /dev/null 2>&1 & echo $! > "$PIDFILE"\n'
    result = run(script_action(tmp_path, "leaver", script), env_vars={"PIDFILE": str(pidfile)})
    assert result["succeeded"] is True
    time.sleep(0.1)
    assert not _alive(int(pidfile.read_text()))


# --- environment ------------------------------------------------------------------------


def _env_of(result) -> dict:
    return dict(line.split("=", 1) for line in result["stdout"].splitlines() if "=" in line)


def test_the_environment_is_built_from_scratch_without_server_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "server-secret-key")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/attune")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://broker")
    monkeypatch.setenv("ATTUNE_JWT_SIGNING_KEY", "jwt-key")
    monkeypatch.setenv("SOME_WORKER_VAR", "x")
    action = script_action(tmp_path, "env", "env\n")
    result = run(action, execution_id=41, attempt=2)
    env = _env_of(result)
    assert set(env) == {
        "PATH", "HOME", "TMPDIR", "LANG", "PWD", "ATTUNE_ACTION", "ATTUNE_EXEC_ID", "ATTUNE_ATTEMPT",
        "ATTUNE_PACK_DIR", "ATTUNE_PARAMETER_DELIVERY", "ATTUNE_PARAMETER_FORMAT",
    }  # fmt: skip
    assert env["ATTUNE_ACTION"] == "demo.env"
    assert (env["ATTUNE_EXEC_ID"], env["ATTUNE_ATTEMPT"]) == ("41", "2")
    assert env["ATTUNE_PACK_DIR"] == str((tmp_path / "demo").resolve())
    assert env["HOME"] == env["TMPDIR"] == env["PWD"]
    assert env["LANG"] == "C.UTF-8"
    assert "server-secret-key" not in result["stdout"] and "postgres://" not in result["stdout"]


def test_passthrough_names_are_copied_from_the_worker_but_never_server_secrets(
    tmp_path, monkeypatch, settings
):
    settings.ATTUNE_ACTION_ENV_PASSTHROUGH = ["SLACK_BOT_TOKEN", "NOT_SET_ANYWHERE", "DATABASE_URL"]
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/attune")
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    env = _env_of(run(script_action(tmp_path, "env", "env\n")))
    assert env["SLACK_BOT_TOKEN"] == "xoxb-123"
    assert "NOT_SET_ANYWHERE" not in env and "DATABASE_URL" not in env


def test_the_callers_env_vars_are_added_but_cannot_override_attune_names(tmp_path):
    action = script_action(tmp_path, "env", "env\n")
    env = _env_of(run(action, env_vars={"REGION": "eu", "ATTUNE_EXEC_ID": "999"}, execution_id=5))
    assert env["REGION"] == "eu"
    assert env["ATTUNE_EXEC_ID"] == "5"


def test_the_working_directory_is_private_and_removed_afterwards(tmp_path):
    result = run(script_action(tmp_path, "cwd", "pwd; stat -c %a .\n"))
    run_dir, mode = result["stdout"].splitlines()
    assert mode == "700"
    assert not os.path.exists(run_dir)


def test_resource_limits_are_applied(tmp_path, settings):
    settings.ATTUNE_ACTION_MAX_OPEN_FILES = 77
    settings.ATTUNE_ACTION_MAX_FILE_BYTES = 1024 * 1024
    result = run(
        script_action(tmp_path, "limits", "ulimit -n; ulimit -f; ulimit -c; ulimit -t\n"), timeout=20
    )
    assert result["stdout"].split() == ["77", "2048", "0", "30"]  # -f counts 512-byte blocks


@pytest.mark.usefixtures("envs_dir")
def test_memory_limit_stops_a_greedy_python_action(tmp_path, settings):
    settings.ATTUNE_ACTION_MAX_MEMORY = 200 * 1024 * 1024
    action = script_action(tmp_path, "greedy", "x = bytearray(400 * 1024 * 1024)\n", runner_type="python")
    result = run(action)
    assert result["succeeded"] is False
    assert result["error"] == "MemoryError"


def test_a_missing_prlimit_fails_closed(tmp_path, monkeypatch):
    monkeypatch.setattr("executions.runners.environment.shutil.which", lambda name: None)
    result = run(script_action(tmp_path, "x", "echo ran\n"))
    assert result["succeeded"] is False
    assert "prlimit" in result["error"] and result["stdout"] == ""
