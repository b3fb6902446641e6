"""Runtime limits the conductor enforces, each at the limit and just over it (C1-C3, B16,
B19): an error naming the setting, on the task where it is the task's, never a stall."""

from .harness import chain, drive


def loop(on_failure=None):
    """`a` runs `parameters.times` times through a self-loop guarded by a counter."""
    transitions = [
        {"when": "{{ succeeded() }}", "publish": [{"n": "{{ workflow.n + 1 }}"}]},
        {"when": "{{ succeeded() and workflow.n + 1 < parameters.times }}", "do": ["a"]},
    ]
    if on_failure:
        transitions.append(
            {"when": "{{ failed() }}", "publish": [{"why": "{{ result().error }}"}], "do": [on_failure]}
        )
    tasks = [
        {"name": "init", "action": "c.i", "next": [{"do": ["a"]}]},
        {"name": "a", "action": "c.a", "next": transitions},
    ]
    if on_failure:
        tasks.append({"name": on_failure, "action": "c.handler"})
    return chain(*tasks, vars={"n": 0})


ACTIVATIONS = {"ATTUNE_MAX_TASK_ACTIVATIONS": 5}


def test_b16_a_loop_may_run_a_task_exactly_the_activation_limit_times():
    done = drive(loop(), parameters={"times": 5}, limits=ACTIVATIONS)
    assert (done.finished.status, done.state["variables"]["n"]) == ("completed", 5)


def test_b16_one_activation_over_the_limit_fails_the_task_and_its_failure_transition_runs():
    done = drive(loop("handler"), parameters={"times": 6}, limits=ACTIVATIONS)
    assert [s.task for s in done.started] == ["init"] + ["a"] * 5 + ["handler"]
    assert done.finished.status == "completed"
    assert (
        done.state["variables"]["why"]
        == "task 'a' would start more than ATTUNE_MAX_TASK_ACTIVATIONS (5) times"
    )


def test_b16_over_the_limit_unhandled_fails_the_workflow_through_the_task():
    done = drive(loop(), parameters={"times": 6}, limits=ACTIVATIONS)
    assert done.status("a") == "failed"
    assert done.finished.result["error"] == "Workflow failed: 1 task(s) failed: a"


def test_b16_an_unconditional_self_loop_does_not_handle_its_own_limit_failure():
    definition = chain(
        {"name": "init", "action": "c.i", "next": [{"do": ["a"]}]},
        {"name": "a", "action": "c.a", "next": [{"do": ["a"]}]},
    )
    done = drive(definition, limits=ACTIVATIONS)
    assert [s.task for s in done.started].count("a") == 5
    assert done.finished.result["error"] == "Workflow failed: 1 task(s) failed: a"
    assert "ATTUNE_MAX_TASK_ACTIVATIONS (5)" in done.state["tasks"]["a"]["result"]["error"]


def test_runs_per_execution_at_the_limit_and_just_over():
    definition = chain({"name": "a", "action": "c.a", "with_items": "{{ [1, 2, 3] }}"})
    assert drive(definition, limits={"ATTUNE_MAX_RUNS_PER_EXECUTION": 3}).finished.status == "completed"
    done = drive(definition, limits={"ATTUNE_MAX_RUNS_PER_EXECUTION": 2})
    assert (done.finished.status, len(done.started)) == ("failed", 2)
    assert done.finished.result["error"] == "more than ATTUNE_MAX_RUNS_PER_EXECUTION (2) runs"


def test_with_items_length_at_the_limit_and_just_over():
    definition = chain(
        {"name": "a", "action": "c.a", "with_items": "{{ parameters.xs }}", "concurrency": 100,
         "next": [{"when": "{{ failed() }}", "publish": ["why"], "do": ["h"]}]},
        {"name": "h", "action": "c.h"},
    )  # fmt: skip
    limits = {"ATTUNE_WITH_ITEMS_MAX": 3}
    done = drive(definition, parameters={"xs": [1, 2, 3]}, limits=limits)
    assert (done.finished.status, done.status("a"), len(done.started)) == ("completed", "succeeded", 3)
    done = drive(definition, parameters={"xs": [1, 2, 3, 4]}, limits=limits)
    assert [s.task for s in done.started] == ["h"]
    assert done.state["variables"]["why"] == {
        "error": "with_items gave 4 items, over ATTUNE_WITH_ITEMS_MAX (3)"
    }


SKIPS = chain(
    *[
        {"name": f"t{i}", "action": "c.t", "when": "{{ false }}", "next": [{"do": [f"t{i + 1}"]}]}
        for i in range(4)
    ],
    {"name": "t4", "action": "c.t", "when": "{{ false }}"},
)


def test_inline_steps_at_the_limit_and_just_over():
    # Five skipped tasks take ten steps: an activation and a finish each.
    assert drive(SKIPS, limits={"ATTUNE_MAX_INLINE_STEPS": 10}).finished.status == "completed"
    done = drive(SKIPS, limits={"ATTUNE_MAX_INLINE_STEPS": 9})
    assert done.finished.result["error"] == "more than ATTUNE_MAX_INLINE_STEPS (9) steps in one advance"


def result_of_size(size: int, retry=None):
    definition = chain(
        {"name": "a", "action": "c.a", "retry": retry,
         "next": [{"when": "{{ failed() }}", "publish": ["why"], "do": ["h"]}]},
        {"name": "h", "action": "c.h"},
    )  # fmt: skip
    if retry is None:
        del definition["tasks"][0]["retry"]
    results = [("succeeded", {"s": "x" * (size - len('{"s":""}'))})] * 2
    return drive(definition, outcomes={"a": results}, limits={"ATTUNE_RESULT_MAX_BYTES": 100})


def test_c3_a_result_of_exactly_the_limit_is_kept():
    done = result_of_size(100)
    assert (done.status("a"), len(done.state["tasks"]["a"]["result"]["s"])) == ("succeeded", 92)


def test_c3_a_result_one_byte_over_the_limit_fails_the_run_and_its_failure_transition_runs():
    done = result_of_size(101)
    assert done.status("a") == "failed"
    assert done.state["variables"]["why"] == {
        "error": "the result is 101 bytes, over ATTUNE_RESULT_MAX_BYTES (100)",
        "succeeded": False,
    }


def test_c3_a_run_failed_by_its_result_size_is_retried_like_any_failed_run():
    done = result_of_size(101, retry={"count": 1})
    assert [(s.task, s.attempt) for s in done.started] == [("a", 0), ("a", 1), ("h", 0)]


def publish_of_size(size: int):
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"publish": [{"v": "{{ result().s }}"}], "do": ["b"]}]},
        {"name": "b", "action": "c.b"},
    )
    result = {"s": "x" * (size - len('{"v":""}'))}
    return drive(
        definition, outcomes={"a": [("succeeded", result)]}, limits={"ATTUNE_VARIABLES_MAX_BYTES": 100}
    )


def test_c3_variables_of_exactly_the_limit_are_published():
    done = publish_of_size(100)
    assert (done.finished.status, len(done.state["variables"]["v"])) == ("completed", 92)


def test_c3_a_publish_one_byte_over_the_variables_limit_fails_the_workflow_and_assigns_nothing():
    done = publish_of_size(101)
    assert [s.task for s in done.started] == ["a"]
    assert done.state["variables"] == {}
    assert done.finished.result == {
        "error": "task 'a': publish: the variables would be 101 bytes, over ATTUNE_VARIABLES_MAX_BYTES (100)",
        "succeeded": False,
    }
