"""`manage.py run_action`: the API's service from the command line, with exit statuses."""

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from executions.management.commands.run_action import parse_value, split_param
from executions.models import Execution, Status
from tests.executions.conftest import SECRET_SCHEMA


def run(*args):
    out = StringIO()
    call_command("run_action", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "text, expected",
    [("n=3", ("n", 3)), ("f=true", ("f", True)), ("s=hello", ("s", "hello")), ("xs=[1, 2]", ("xs", [1, 2])),
     ("s=a=b", ("s", "a=b")), ("s=", ("s", "")), ('q="3"', ("q", "3"))],
)  # fmt: skip
def test_param_values_are_json_when_they_parse(text, expected):
    name, raw = split_param(text)
    assert (name, parse_value(name, raw)) == expected


@pytest.mark.parametrize("text", ["novalue", "=x"])
def test_a_param_without_a_name_is_bad_input(text):
    with pytest.raises(CommandError) as caught:
        split_param(text)
    assert caught.value.returncode == 2


def test_it_starts_a_run_and_prints_its_id(make_action):
    make_action("demo.noop")
    out = run("demo.noop")
    execution = Execution.objects.get()
    assert f"Execution {execution.id} of demo.noop scheduled" in out
    assert execution.executor is None and execution.status == Status.SCHEDULED


def test_wait_prints_progress_and_the_result(transactional_db, make_action):
    make_action("demo.echo", parameters={"message": {"type": "string"}, "n": {"type": "integer"}})
    out = run("demo.echo", "--param", "message=hi there", "--param", "n=2", "--wait")
    execution = Execution.objects.get()
    assert execution.status == Status.COMPLETED and execution.input == {"message": "hi there", "n": 2}
    assert f"Execution {execution.id}: completed" in out
    result = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert result["stdout"] == "hi there"


def test_a_failed_run_exits_1(transactional_db, make_action):
    make_action("demo.fail")
    with pytest.raises(CommandError) as caught:
        run("demo.fail", "--param", "message=nope", "--wait")
    assert caught.value.returncode == 1 and "failed" in str(caught.value)
    assert Execution.objects.get().status == Status.FAILED


def test_json_file_parameters_with_params_winning(transactional_db, make_action, tmp_path):
    make_action("demo.echo")
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"message": "from file", "other": 1}))
    run("demo.echo", "--json", str(params), "--param", "message=from flag", "--wait")
    assert Execution.objects.get().input == {"message": "from flag", "other": 1}


def test_secrets_are_not_printed(transactional_db, make_action):
    make_action("demo.echo", parameters=SECRET_SCHEMA)
    out = run("demo.echo", "--param", "token=tok-999", "--param", "message=tok-999", "--wait")
    assert "tok-999" not in out and "********" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["demo.nope"], "not found"),
        (["demo.noop", "--param", "n=x"], "parameters.n"),
        (["demo.noop", "--env", "PATH=/tmp"], "env_vars.PATH"),
        (["demo.noop", "--timeout", "0"], "timeout_seconds"),
        (["demo.noop", "--user", "ghost"], "ghost"),
        (["demo.noop", "--json", "/nonexistent.json"], "nonexistent"),
    ],
)
def test_bad_input_exits_2_and_creates_nothing(make_action, args, message):
    make_action("demo.noop", parameters={"n": {"type": "integer"}})
    with pytest.raises(CommandError, match=message) as caught:
        run(*args)
    assert caught.value.returncode == 2
    assert not Execution.objects.exists()


def test_core_local_needs_a_user_with_the_permission(make_action, make_user):
    make_action("core.local", entry_point="local")
    make_user("plain")
    make_user("root", superuser=True)
    for args in (["core.local"], ["core.local", "--user", "plain"]):
        with pytest.raises(CommandError, match="run_local_command") as caught:
            run(*args, "--param", "cmd=true")
        assert caught.value.returncode == 2
    run("core.local", "--param", "cmd=true", "--user", "root")
    assert Execution.objects.get().executor.username == "root"


def test_wait_gives_up_after_the_wait_timeout_when_no_worker_runs(transactional_db, make_action, settings):
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"  # no worker is running in this test
    make_action("demo.noop")
    with pytest.raises(CommandError, match="still scheduled") as caught:
        run("demo.noop", "--wait", "--wait-timeout", "0.3")
    assert caught.value.returncode == 1
    assert Execution.objects.get().status == Status.SCHEDULED


def test_the_exit_status_reaches_the_shell():
    # CommandError's returncode is what `manage.py` exits with: 2 for a bad parameter.
    process = subprocess.run(
        [sys.executable, "manage.py", "run_action", "demo.x", "--param", "bad"],
        capture_output=True,
        text=True,
        env={"DJANGO_SECRET_KEY": "test-only", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert process.returncode == 2, process.stderr
    assert "expected NAME=VALUE" in process.stderr


def test_a_string_parameter_keeps_its_text_even_when_it_reads_as_json(make_action, make_user):
    make_user("root", superuser=True)
    run("core.local", "--param", "cmd=true", "--user", "root")
    make_action("demo.echo")
    run("demo.echo", "--param", "message=true")
    first, second = Execution.objects.order_by("id")
    assert first.config["cmd"] == "true"  # core.local declares cmd a string
    assert second.config == {"message": True}  # an action without a schema gets the JSON value
