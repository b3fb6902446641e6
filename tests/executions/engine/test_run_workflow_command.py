"""`run_workflow --wait`: real commits (transactional_db), so the inline transport runs each
task run as its transaction commits, while the command watches the events."""

import pytest
from django.core.management import CommandError, call_command

TWO_STEPS = """
tasks:
  - name: first
    action: demo.echo
    input: {message: "count={{ parameters.count }}"}
    next: [{when: "{{ succeeded() }}", do: [second]}]
  - name: second
    action: demo.noop
"""


def test_run_workflow_waits_and_prints_a_line_per_task(transactional_db, demo, flow, capsys):
    flow(TWO_STEPS, param_schema={"count": {"type": "integer"}})
    call_command("run_workflow", "demo.flow", "--param", "count=2", "--wait", "--wait-timeout", "30")
    out = capsys.readouterr().out
    assert "  first: started" in out and "  second: succeeded in" in out
    assert out.strip().endswith("completed")


def test_run_workflow_exits_1_when_the_workflow_failed(transactional_db, demo, flow, capsys):
    flow("tasks: [{name: boom, action: demo.fail, input: {message: no}}]")
    with pytest.raises(CommandError) as raised:
        call_command("run_workflow", "demo.flow", "--wait", "--wait-timeout", "30")
    assert raised.value.returncode == 1 and "failed" in str(raised.value)
    assert "  boom: failed" in capsys.readouterr().out


def test_run_workflow_refuses_an_action_ref(db, demo):
    with pytest.raises(CommandError) as raised:
        call_command("run_workflow", "demo.noop")
    assert raised.value.returncode == 2
