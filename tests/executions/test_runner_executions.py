"""Subprocess actions through start_execution and the inline transport: the status the
worker records follows the runner's result."""

import pytest

from executions.models import Execution, Status
from executions.service import start_execution
from tests.executions.runner_helpers import script_action

pytestmark = pytest.mark.django_db


def _run(action, parameters, capture, **options) -> Execution:
    with capture(execute=True):
        execution = start_execution(action, parameters, **options)
    return Execution.objects.get(pk=execution.pk)


@pytest.mark.usefixtures("envs_dir")
def test_a_python_action_completes_with_its_parsed_output(tmp_path, django_capture_on_commit_callbacks):
    script = "import json, sys; print(json.dumps({'sum': sum(json.load(sys.stdin)['numbers'])}))\n"
    action = script_action(tmp_path, "add", script, runner_type="python", output_format="json")
    execution = _run(action, {"numbers": [1, 2, 3]}, django_capture_on_commit_callbacks)
    assert execution.status == Status.COMPLETED
    assert execution.result["data"] == {"sum": 6} and execution.result["sum"] == 6


def test_a_failing_shell_action_ends_failed(tmp_path, django_capture_on_commit_callbacks):
    action = script_action(tmp_path, "boom", "echo broken >&2; exit 4\n")
    execution = _run(action, {}, django_capture_on_commit_callbacks)
    assert execution.status == Status.FAILED
    assert (execution.result["exit_code"], execution.result["error"]) == (4, "broken")


def test_a_shell_action_past_its_timeout_ends_timeout(tmp_path, settings, django_capture_on_commit_callbacks):
    settings.ATTUNE_ACTION_KILL_GRACE_SECONDS = 0.5
    action = script_action(tmp_path, "slow", "sleep 30\n")
    execution = _run(action, {}, django_capture_on_commit_callbacks, timeout_seconds=1)
    assert execution.status == Status.TIMEOUT
    assert execution.result["timed_out"] is True and execution.result["exit_code"] == -1


def test_a_secret_parameter_never_reaches_the_stored_result(tmp_path, django_capture_on_commit_callbacks):
    action = script_action(
        tmp_path, "leak", "cat\n", parameters={"password": {"type": "string", "secret": True}}
    )
    execution = _run(action, {"password": "hunter22"}, django_capture_on_commit_callbacks)
    assert execution.status == Status.COMPLETED
    assert "hunter22" not in str(execution.result)
    assert execution.result["stdout"] == '{"password":"********"}\n'
