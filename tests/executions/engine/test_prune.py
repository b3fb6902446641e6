from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from executions.models import Execution, ExecutionEvent, Status, WorkflowExecution


def age(execution, days):
    finished = timezone.now() - timedelta(days=days)
    Execution.objects.filter(root_id=execution.id).update(finished_at=finished)
    Execution.objects.filter(id=execution.id).update(finished_at=finished)


def test_prune_deletes_old_finished_trees_and_keeps_the_rest(flow, run_flow, make_execution, capsys):
    flow("tasks: [{name: a, action: core.noop, next: [{do: [b]}]}, {name: b, action: core.noop}]")
    old, recent = run_flow("demo.flow"), run_flow("demo.flow")
    age(old, 40)
    age(recent, 2)
    running = make_execution(status=Status.RUNNING)
    call_command("prune_executions", "--older-than", "30d", "--dry-run")
    assert "Would delete 1 execution(s)" in capsys.readouterr().out
    assert Execution.objects.filter(root_id=old.id).count() == 2
    call_command("prune_executions", "--older-than", "30d")
    assert "Deleted 1 execution(s)" in capsys.readouterr().out
    assert not Execution.objects.filter(id=old.id).exists()
    assert not Execution.objects.filter(root_id=old.id).exists()
    assert not WorkflowExecution.objects.filter(pk=old.id).exists()
    assert not ExecutionEvent.objects.filter(root_id=old.id).exists()
    assert Execution.objects.filter(root_id=recent.id).count() == 2
    assert Execution.objects.filter(id=running.id).exists()


def test_a_tree_with_a_run_still_going_is_kept(flow, run_flow):
    flow("tasks: [{name: a, action: core.noop}]")
    execution = run_flow("demo.flow")
    age(execution, 40)
    Execution.objects.filter(root_id=execution.id).update(status=Status.RUNNING)
    call_command("prune_executions", "--older-than", "1d")
    assert Execution.objects.filter(id=execution.id).exists()


@pytest.mark.parametrize("value", ["30", "0d", "-1d", "1w", "d"])
def test_a_bad_age_is_exit_2(db, value):
    with pytest.raises(CommandError) as raised:
        call_command("prune_executions", f"--older-than={value}")
    assert raised.value.returncode == 2
