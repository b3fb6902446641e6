"""Starting a task and finishing its runs: S5, S11, S13, S14, S17, S28, S41 and the retry
decisions (render errors, on_error, nested workflows), each with its negative twin."""

from .harness import chain, drive, run

STATUS_PUBLISH = [{"publish": [{"s": "{{ [succeeded(), failed(), timed_out()] }}"}, {"r": "{{ result() }}"}]}]


def test_s5_a_false_guard_is_evaluated_before_with_items_is_rendered():
    done = drive(chain({"name": "a", "action": "c.a", "when": "{{ false }}", "with_items": "{{ 5 }}"}))
    assert (done.finished.status, done.status("a"), done.started) == ("completed", "skipped", [])


def test_s5_twin_with_a_true_guard_a_bad_with_items_fails_the_task():
    done = drive(chain({"name": "a", "action": "c.a", "when": "{{ true }}", "with_items": "{{ 5 }}"}))
    assert (done.finished.status, done.status("a"), done.started) == ("failed", "failed", [])


def test_s5_a_join_is_waited_for_before_the_guard_is_evaluated():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"publish": [{"go": True}], "do": ["j"]}]},
        {"name": "b", "action": "c.b", "next": [{"do": ["j"]}]},
        {"name": "j", "action": "c.j", "join": 2, "when": "{{ workflow.go }}"},
        vars={"go": False},
    )
    done = drive(definition)
    assert [s.task for s in done.started] == ["a", "b", "j"]


ITEMS_RETRY = chain(
    {"name": "a", "action": "c.a", "with_items": "{{ [0, 1] }}", "concurrency": 2,
     "input": {"i": "{{ item }}"}, "retry": {"count": 1}, "next": STATUS_PUBLISH},
)  # fmt: skip


def test_s11_each_item_is_retried_on_its_own_and_result_is_the_last_attempt():
    done = drive(
        ITEMS_RETRY, outcomes={"a": [("succeeded", "i0"), ("failed", "i1 first"), ("succeeded", "i1 again")]}
    )
    assert [(s.item_index, s.attempt) for s in done.started] == [(0, 0), (1, 0), (1, 1)]
    assert done.state["variables"] == {"s": [True, False, False], "r": ["i0", "i1 again"]}


def test_s11_twin_without_retry_a_failed_item_fails_the_task_after_the_other_items():
    definition = chain({**ITEMS_RETRY["tasks"][0], "retry": None})
    done = drive(definition, outcomes={"a": [("failed", "i0 failed"), ("succeeded", "i1")]})
    assert [(s.item_index, s.attempt) for s in done.started] == [(0, 0), (1, 0)]
    assert done.state["variables"] == {"s": [False, True, False], "r": ["i0 failed", "i1"]}


def test_s13_timeout_renders_at_start_and_number_strings_are_accepted():
    definition = chain(
        {"name": "a", "action": "c.a", "timeout": "{{ '30' }}"}, {"name": "b", "action": "c.b"}
    )
    definition["tasks"][1]["timeout"] = 0
    done = drive(definition)
    assert [s.timeout_seconds for s in done.started] == [30, None]


def test_s13_twin_a_timeout_that_is_not_an_integer_fails_the_task_without_a_run():
    for bad in ("{{ 'soon' }}", "{{ -1 }}", "{{ true }}"):
        definition = chain({"name": "a", "action": "c.a", "timeout": bad, "next": [{"publish": ["why"]}]})
        done = drive(definition)
        assert (done.finished.status, done.started) == ("failed", []), bad
        assert "timeout" in done.state["variables"]["why"]["error"]


def test_s14_a_timed_out_run_sets_only_timed_out_and_is_retried_like_a_failure():
    definition = chain({"name": "a", "action": "c.a", "retry": {"count": 1}, "next": STATUS_PUBLISH})
    done = drive(definition, outcomes={"a": [("timed_out", {}), ("timed_out", {"late": True})]})
    assert len(done.started) == 2
    assert done.state["variables"] == {"s": [False, False, True], "r": {"late": True}}
    assert done.finished.status == "failed"


def test_s14_twin_a_failed_run_sets_only_failed():
    done = drive(
        chain({"name": "a", "action": "c.a", "next": STATUS_PUBLISH}), outcomes={"a": [("failed", {})]}
    )
    assert done.state["variables"]["s"] == [False, True, False]


def items_outcome(statuses):
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "with_items": "{{ [0, 1, 2] }}",
            "concurrency": 3,
            "next": STATUS_PUBLISH,
        }
    )
    return drive(definition, outcomes={"a": [(s, s) for s in statuses]})


def test_s17_items_succeed_only_when_every_item_succeeded():
    assert items_outcome(["succeeded"] * 3).state["variables"]["s"] == [True, False, False]


def test_s17_items_time_out_when_none_failed_and_one_timed_out():
    done = items_outcome(["succeeded", "timed_out", "succeeded"])
    assert done.state["variables"] == {
        "s": [False, False, True],
        "r": ["succeeded", "timed_out", "succeeded"],
    }


def test_s17_twin_a_failed_item_beats_a_timed_out_one():
    assert items_outcome(["timed_out", "failed", "succeeded"]).state["variables"]["s"] == [False, True, False]


def test_s28_a_task_finishes_with_its_last_run_not_its_first():
    definition = chain(
        {"name": "a", "action": "c.a", "with_items": "{{ [0, 1] }}", "next": [{"do": ["b"]}]},
        {"name": "b", "action": "c.b"},
    )
    done = drive(definition)
    assert [(s.task, s.item_index) for s in done.started] == [("a", 0), ("a", 1), ("b", None)]
    assert done.state["tasks"]["a"]["status"] == "succeeded"


def test_s28_twin_a_task_with_a_run_in_flight_is_still_running():
    from executions.conductor import RunFinished, advance, start

    from .harness import context

    definition = chain({"name": "a", "action": "c.a", "with_items": "{{ [0, 1] }}", "concurrency": 2})
    step = start(definition, context())
    step = advance(definition, step.state, RunFinished("a", 1, 0, 0, "succeeded", {}), context())
    assert (step.finished, step.state["tasks"]["a"]["status"]) == (None, "running")


def test_s41_a_task_without_input_gets_an_empty_input_not_the_parameters():
    _, _, started = run(chain({"name": "a", "action": "c.a"}), parameters={"x": 1})
    assert started[0].input == {}


def test_s41_twin_input_reads_parameters_only_where_it_says_so():
    _, _, started = run(
        chain({"name": "a", "action": "c.a", "input": {"x": "{{ parameters.x }}"}}), parameters={"x": 1}
    )
    assert started[0].input == {"x": 1}


def test_a_first_attempt_has_attempt_0_and_a_retry_attempt_1():
    definition = chain({"name": "a", "action": "c.a", "retry": {"count": 1}})
    _, _, started = run(definition, outcomes={"a": [("failed", {})]})
    assert [(s.attempt, s.max_retries) for s in started] == [(0, 1), (1, 1)]


def test_a_render_error_is_not_retried():
    definition = chain(
        {"name": "a", "action": "c.a", "input": {"x": "{{ parameters.no.deeper }}"}, "retry": {"count": 3}}
    )
    done = drive(definition)
    assert (done.finished.status, done.started) == ("failed", [])


def test_a_render_error_in_on_error_means_do_not_retry():
    definition = chain(
        {"name": "a", "action": "c.a", "retry": {"count": 3, "on_error": "{{ result().x.y }}"}}
    )
    done = drive(definition, outcomes={"a": [("failed", {})]})
    assert (done.finished.status, len(done.started)) == ("failed", 1)


def test_a_render_error_in_on_error_twin_a_true_on_error_retries_in_transition_scope():
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "retry": {"count": 1, "on_error": "{{ failed() and workflow.k == 1 }}"},
        },
        vars={"k": 1},
    )
    done = drive(definition, outcomes={"a": [("failed", {})]})
    assert len(done.started) == 2


def test_retrying_a_workflow_task_starts_a_fresh_nested_workflow_run():
    definition = chain({"name": "sub", "type": "workflow", "action": "p.child", "retry": {"count": 1}})
    done = drive(definition, outcomes={"sub": [("failed", {"succeeded": False})]})
    assert [(s.kind, s.attempt) for s in done.started] == [("workflow", 0), ("workflow", 1)]


def test_retrying_a_workflow_task_twin_a_completed_nested_workflow_is_not_retried():
    definition = chain({"name": "sub", "type": "workflow", "action": "p.child", "retry": {"count": 1}})
    assert len(drive(definition).started) == 1


TIMEOUT_RACE = chain(
    {"name": "a", "action": "c.a", "timeout": "{{ workflow.t }}", "retry": {"count": 1}},
    {"name": "b", "action": "c.b", "next": [{"publish": [{"t": 99}], "do": ["c"]}]},
    {"name": "c", "action": "c.c", "timeout": "{{ workflow.t }}"},
    vars={"t": 5},
)


def b_first(pending):
    return next((i for i, spec in enumerate(pending) if spec.task == "b"), 0)


def test_a_timeout_is_rendered_once_per_item_and_reused_by_its_retries():
    done = drive(TIMEOUT_RACE, outcomes={"a": [("failed", {})]}, choose=b_first)
    assert [(s.task, s.timeout_seconds) for s in done.order][:3] == [("b", None), ("a", 5), ("c", 99)]
    assert [s.timeout_seconds for s in done.started if s.task == "a"] == [5, 5]


def test_a_timeout_twin_a_task_started_after_the_publish_renders_the_new_value():
    done = drive(TIMEOUT_RACE, choose=b_first)
    assert {s.task: s.timeout_seconds for s in done.started} == {"a": 5, "b": None, "c": 99}
