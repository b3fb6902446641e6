"""Joins, groups, completion and cancellation: S36, S40 and the decisions on skipped
predecessors and parallel groups, each with its negative twin."""

from executions.conductor import CancelRequested, RunFinished, advance, start

from .harness import chain, context, drive


def skipped_join(edge_when):
    return chain(
        {"name": "a", "action": "c.a", "next": [{"do": ["j"]}]},
        {"name": "s", "action": "c.s", "when": "{{ false }}", "next": [{"when": edge_when, "do": ["j"]}]},
        {"name": "j", "action": "c.j", "join": 2},
    )


def test_a_skipped_task_counts_for_a_join_through_a_transition_that_fires():
    done = drive(skipped_join("{{ true }}"))
    assert (done.finished.status, [s.task for s in done.started]) == ("completed", ["a", "j"])


def test_a_skipped_task_twin_a_succeeded_edge_does_not_fire_and_the_join_is_not_run():
    done = drive(skipped_join("{{ succeeded() }}"))
    assert (done.finished.status, [s.task for s in done.started]) == ("completed", ["a"])
    assert (done.status("s"), done.status("j")) == ("skipped", "not_run")


def group(*tasks, **fields):
    return chain(
        {"name": "g", "type": "parallel", "tasks": list(tasks),
         "next": [{"when": "{{ succeeded() }}", "publish": [{"g": "{{ result() }}"}], "do": ["after"]}]},
        {"name": "after", "action": "c.after"},
        **fields,
    )  # fmt: skip


def test_s36_b4_a_join_in_a_group_that_can_no_longer_be_satisfied_is_not_run_and_the_group_finishes():
    definition = group(
        {"name": "x", "action": "c.x", "next": [{"do": ["j"]}]},
        {"name": "y", "action": "c.y", "next": [{"when": "{{ succeeded() }}", "do": ["j"]}]},
        {"name": "j", "action": "c.j", "join": 2},
    )
    done = drive(definition, outcomes={"y": [("failed", "y failed")]})
    assert [s.task for s in done.started] == ["x", "y"]
    assert (done.status("j"), done.status("g"), done.finished.status) == ("not_run", "failed", "failed")
    assert done.finished.result["error"] == "Workflow failed: 1 task(s) failed: g"
    assert done.state["tasks"]["g"]["result"] == {"x": {"task": "x"}, "y": "y failed"}


def test_s36_b4_twin_a_satisfied_join_in_a_group_runs():
    definition = group(
        {"name": "x", "action": "c.x", "next": [{"do": ["j"]}]},
        {"name": "y", "action": "c.y", "next": [{"do": ["j"]}]},
        {"name": "j", "action": "c.j", "join": 2},
    )
    done = drive(definition)
    assert [s.task for s in done.started] == ["x", "y", "j", "after"]


def test_a_group_whose_nested_failures_were_all_handled_inside_it_succeeds():
    definition = group(
        {"name": "x", "action": "c.x", "next": [{"when": "{{ failed() }}", "do": ["fix"]}]},
        {"name": "fix", "action": "c.fix"},
    )
    done = drive(definition, outcomes={"x": [("failed", "x failed")]})
    assert (done.status("g"), done.finished.status) == ("succeeded", "completed")
    assert done.state["variables"]["g"] == {"x": "x failed", "fix": {"task": "fix"}}


def test_a_group_twin_an_unhandled_nested_failure_fails_the_group_and_is_named_as_the_group():
    definition = group({"name": "x", "action": "c.x"}, {"name": "y", "action": "c.y"})
    done = drive(definition, outcomes={"x": [("failed", {})]})
    assert [s.task for s in done.started] == ["x", "y"]
    assert done.finished.result["error"] == "Workflow failed: 1 task(s) failed: g"


def test_b12_a_group_result_holds_skipped_tasks_as_null_and_leaves_never_started_ones_out():
    definition = group(
        {
            "name": "x",
            "action": "c.x",
            "when": "{{ false }}",
            "next": [{"when": "{{ succeeded() }}", "do": ["y"]}],
        },
        {"name": "y", "action": "c.y"},
    )
    assert drive(definition).state["variables"]["g"] == {"x": None}


def test_s36_the_workflow_ends_only_when_nothing_runs():
    definition = chain({"name": "a", "action": "c.a"}, {"name": "b", "action": "c.b"})
    step = start(definition, context())
    step = advance(definition, step.state, RunFinished("a", 1, None, 0, "failed", {}), context())
    assert step.finished is None
    step = advance(definition, step.state, RunFinished("b", 1, None, 0, "succeeded", {}), context())
    assert step.finished.status == "failed"


def test_s36_twin_tasks_never_triggered_are_recorded_not_run_and_do_not_fail_it():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "do": ["b"]}]},
        {"name": "b", "action": "c.b"},
    )
    done = drive(definition)
    assert (done.finished.status, done.status("b")) == ("completed", "not_run")


CANCEL = chain(
    {"name": "a", "action": "c.a", "next": [{"publish": [{"x": 1}], "do": ["b"]}]},
    {"name": "b", "action": "c.b"},
    {"name": "slow", "action": "c.slow", "retry": {"count": 1, "delay": 60}},
)


def cancelled(policy):
    step = start(CANCEL, context())
    state = advance(CANCEL, step.state, RunFinished("slow", 1, None, 0, "failed", {}), context()).state
    step = advance(CANCEL, state, CancelRequested(policy), context())
    return step


def test_s40_cancel_allow_finish_cancels_retry_waits_lets_running_runs_finish_unevaluated():
    step = cancelled("allow_finish")
    assert [(k.task, k.attempt) for k in step.cancel] == [("slow", 1)]
    step = advance(CANCEL, step.state, RunFinished("slow", 1, None, 1, "cancelled", {}), context())
    step = advance(CANCEL, step.state, RunFinished("a", 1, None, 0, "succeeded", {}), context())
    assert (step.start, step.state["variables"]) == ([], {})
    assert (step.finished.status, step.finished.result) == (
        "cancelled",
        {"error": "Workflow cancelled", "succeeded": False},
    )


def test_s40_cancel_running_also_stops_the_running_runs():
    step = cancelled("cancel_running")
    assert sorted((k.task, k.attempt) for k in step.cancel) == [("a", 0), ("slow", 1)]


def test_s40_twin_without_a_cancel_the_finished_run_publishes_and_triggers():
    step = start(CANCEL, context())
    step = advance(CANCEL, step.state, RunFinished("a", 1, None, 0, "succeeded", {}), context())
    assert ([s.task for s in step.start], step.state["variables"]) == (["b"], {"x": 1})
