"""Negative twins of rule tests that pinned one side only (S4, S6, S10, S31, S34, S37-S39)."""

from executions.conductor import start

from .harness import chain, context, drive

B = {"name": "b", "action": "c.b"}


def test_s4_twin_a_task_some_transition_names_is_not_an_entry_task():
    definition = chain({"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "do": ["b"]}]}, B)
    assert [s.task for s in start(definition, context()).start] == ["a"]


def test_s6_a_render_error_in_the_guard_fails_the_task_without_a_run():
    definition = chain(
        {"name": "a", "action": "c.a", "when": "{{ parameters.no.deeper }}",
         "next": [{"when": "{{ failed() }}", "publish": ["why"], "do": ["b"]}]},
        B,
    )  # fmt: skip
    done = drive(definition)
    assert [s.task for s in done.started] == ["b"]
    assert "no" in done.state["variables"]["why"]["error"]


def test_s6_twin_an_input_that_renders_runs_the_action():
    done = drive(
        chain({"name": "a", "action": "c.a", "input": {"x": "{{ parameters.p.q }}"}}),
        parameters={"p": {"q": 1}},
    )
    assert [s.input for s in done.started] == [{"x": 1}]


def test_s10_twin_constant_and_linear_backoff():
    for backoff, delays in (("constant", [0, 2, 2, 2]), ("linear", [0, 2, 4, 6])):
        definition = chain(
            {"name": "a", "action": "c.a", "retry": {"count": 3, "delay": 2, "backoff": backoff}}
        )
        done = drive(definition, outcomes={"a": [("failed", {})] * 4})
        assert [s.delay_seconds for s in done.started] == delays, backoff


def test_s31_twin_a_transition_that_does_not_fire_publishes_nothing():
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "next": [{"publish": [{"x": 1}]}, {"when": "{{ false }}", "publish": [{"x": 2}]}],
        }
    )
    assert drive(definition).state["variables"] == {"x": 1}


def test_s34_twin_a_guarded_read_of_a_missing_key_does_not_fail_the_workflow():
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "next": [{"when": "{{ result().x is defined and result().x.y }}", "do": ["b"]}],
        },
        B,
    )
    done = drive(definition, outcomes={"a": [("succeeded", {})]})
    assert (done.finished.status, [s.task for s in done.started]) == ("completed", ["a"])


def test_s37_twin_a_key_that_fails_to_render_is_left_out_and_an_explicit_succeeded_is_kept():
    definition = chain(
        {"name": "a", "action": "c.a"}, output_map={"bad": "{{ task.a.x.y }}", "ok": 1, "succeeded": "yes"}
    )
    assert drive(definition).finished.result == {"ok": 1, "succeeded": "yes"}


def test_s38_twin_a_handled_failure_completes_and_renders_the_output_map():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "do": ["b"]}]},
        B,
        output_map={"b": "{{ task.b }}"},
    )
    done = drive(definition, outcomes={"a": [("failed", {})]})
    assert done.finished.result == {"b": {"task": "b"}, "succeeded": True}


def test_s39_twin_a_failed_nested_workflow_fails_the_task_with_its_result():
    definition = chain(
        {"name": "sub", "type": "workflow", "action": "p.child",
         "next": [{"when": "{{ failed() }}", "publish": [{"why": "{{ result().error }}"}], "do": ["b"]}]},
        B,
    )  # fmt: skip
    nested = {"error": "Workflow failed: 1 task(s) failed: x", "succeeded": False}
    done = drive(definition, outcomes={"sub": [("failed", nested)]})
    assert (done.status("sub"), done.state["variables"]["why"]) == ("failed", nested["error"])
