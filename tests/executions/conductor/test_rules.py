"""The conductor against scripted outcomes: one rule per test, each with its negative twin."""

from .harness import run


def chain(*tasks):
    return {"tasks": list(tasks)}


def test_s7_a_false_guard_skips_the_task_and_its_unconditional_transition_fires():
    finished, _, started = run(
        chain(
            {"name": "a", "action": "c.a", "when": "{{ false }}", "next": [{"do": ["b"]}]},
            {"name": "b", "action": "c.b"},
        )
    )
    assert finished.status == "completed"
    assert [s.task for s in started] == ["b"]


def test_s7_twin_a_skipped_task_does_not_fire_a_succeeded_transition():
    finished, _, started = run(
        chain(
            {
                "name": "a",
                "action": "c.a",
                "when": "{{ false }}",
                "next": [{"when": "{{ succeeded() }}", "do": ["b"]}],
            },
            {"name": "b", "action": "c.b"},
        )
    )
    assert finished.status == "completed"
    assert started == []


JOIN = chain(
    {"name": "a", "action": "c.a", "next": [{"do": ["j"]}]},
    {"name": "b", "action": "c.b", "next": [{"when": "{{ succeeded() }}", "do": ["j"]}]},
    {"name": "j", "action": "c.j", "join": 2},
)


def test_s8_a_join_starts_once_its_predecessors_fired():
    finished, _, started = run(JOIN)
    assert finished.status == "completed"
    assert [s.task for s in started] == ["a", "b", "j"]


def test_s8_twin_a_join_short_of_arrivals_is_not_run_and_the_workflow_still_fails_for_b():
    finished, _, started = run(JOIN, outcomes={"b": [("failed", {})]})
    assert [s.task for s in started] == ["a", "b"]
    assert finished.status == "failed"


def test_s9_a_failed_run_is_retried_up_to_count_with_the_same_input():
    definition = chain({"name": "a", "action": "c.a", "input": {"x": 1}, "retry": {"count": 2, "delay": 3}})
    finished, _, started = run(
        definition, outcomes={"a": [("failed", {}), ("failed", {}), ("succeeded", {})]}
    )
    assert finished.status == "completed"
    assert [(s.attempt, s.input, s.delay_seconds) for s in started] == [
        (0, {"x": 1}, 0),
        (1, {"x": 1}, 3),
        (2, {"x": 1}, 3),
    ]


def test_s9_twin_retries_stop_at_count():
    definition = chain({"name": "a", "action": "c.a", "retry": {"count": 1}})
    finished, _, started = run(definition, outcomes={"a": [("failed", {})] * 3})
    assert finished.status == "failed"
    assert len(started) == 2


def test_s10_exponential_backoff_is_capped_by_max_delay():
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "retry": {"count": 4, "delay": 2, "backoff": "exponential", "max_delay": 5},
        }
    )
    _, _, started = run(definition, outcomes={"a": [("failed", {})] * 5})
    assert [s.delay_seconds for s in started] == [0, 2, 4, 5, 5]


def test_s12_on_error_false_means_no_retry():
    definition = chain(
        {"name": "a", "action": "c.a", "retry": {"count": 3, "on_error": "{{ result().code == 503 }}"}}
    )
    _, _, started = run(definition, outcomes={"a": [("failed", {"code": 400})]})
    assert len(started) == 1
    _, _, started = run(definition, outcomes={"a": [("failed", {"code": 503}), ("succeeded", {})]})
    assert len(started) == 2


def test_s15_with_items_runs_once_per_item_and_aggregates_in_index_order():
    definition = chain(
        {"name": "a", "action": "c.a", "with_items": "{{ parameters.xs }}", "concurrency": 2,
         "input": {"v": "{{ item }}", "i": "{{ index }}"},
         "next": [{"publish": [{"out": "{{ result() }}"}]}]}
    )  # fmt: skip
    finished, variables, started = run(definition, parameters={"xs": ["p", "q", "r"]})
    assert finished.status == "completed"
    assert [s.input for s in started] == [{"v": "p", "i": 0}, {"v": "q", "i": 1}, {"v": "r", "i": 2}]
    assert variables["out"] == [{"task": "a"}] * 3


def test_s15_twin_an_empty_list_succeeds_with_no_run_and_a_non_list_fails():
    definition = chain({"name": "a", "action": "c.a", "with_items": "{{ parameters.xs }}"})
    finished, _, started = run(definition, parameters={"xs": []})
    assert (finished.status, started) == ("completed", [])
    finished, _, started = run(definition, parameters={"xs": 5})
    assert (finished.status, started) == ("failed", [])


def test_s6_a_render_error_in_input_fails_the_task_without_a_run_and_its_transitions_run():
    definition = chain(
        {"name": "a", "action": "c.a", "input": {"x": "{{ parameters.nope.deeper }}"},
         "next": [{"when": "{{ failed() }}", "publish": [{"why": "{{ result().error }}"}], "do": ["b"]}]},
        {"name": "b", "action": "c.b"},
    )  # fmt: skip
    finished, variables, started = run(definition)
    assert finished.status == "completed"
    assert [s.task for s in started] == ["b"]
    assert "nope" in variables["why"]


def test_s34_a_render_error_in_a_transition_fails_the_workflow():
    definition = chain({"name": "a", "action": "c.a", "next": [{"when": "{{ result().x.y }}", "do": ["b"]}]},
                       {"name": "b", "action": "c.b"})  # fmt: skip
    finished, _, started = run(definition, outcomes={"a": [("succeeded", {})]})
    assert finished.status == "failed"
    assert [s.task for s in started] == ["a"]


def test_s37_output_map_is_rendered_with_succeeded():
    definition = {**chain({"name": "a", "action": "c.a"}), "output_map": {"n": "{{ task.a.task }}"}}
    finished, _, _ = run(definition)
    assert finished.result == {"n": "a", "succeeded": True}


def test_s35_a_parallel_group_runs_its_nested_entry_tasks_and_then_its_successor():
    definition = chain(
        {"name": "g", "type": "parallel", "tasks": [{"name": "x", "action": "c.x"}, {"name": "y", "action": "c.y"}],
         "next": [{"when": "{{ succeeded() }}", "do": ["after"]}]},
        {"name": "after", "action": "c.after"},
    )  # fmt: skip
    finished, _, started = run(definition)
    assert finished.status == "completed"
    assert [s.task for s in started] == ["x", "y", "after"]


def test_s39_a_workflow_task_starts_a_nested_workflow_run():
    definition = chain(
        {"name": "sub", "type": "workflow", "action": "p.child", "input": {"k": "{{ 1 + 1 }}"}}
    )
    finished, _, started = run(definition)
    assert finished.status == "completed"
    assert [(s.kind, s.ref, s.input) for s in started] == [("workflow", "p.child", {"k": 2})]


def test_s16_at_most_concurrency_items_start_at_once():
    from executions.conductor import Context, start

    definition = chain(
        {"name": "a", "action": "c.a", "with_items": "{{ [1, 2, 3, 4, 5] }}", "concurrency": 2}
    )
    step = start(definition, Context({}, {}, {"execution_id": 1}, 0.0, {}))
    assert [s.item_index for s in step.start] == [0, 1]
    step = start({**definition, "tasks": [{**definition["tasks"][0], "concurrency": 5}]},
                 Context({}, {}, {"execution_id": 1}, 0.0, {}))  # fmt: skip
    assert [s.item_index for s in step.start] == [0, 1, 2, 3, 4]


def test_b5_an_abandoned_run_counts_as_a_failed_attempt_and_is_retried():
    definition = chain({"name": "a", "action": "c.a", "retry": {"count": 1}})
    finished, _, started = run(
        definition, outcomes={"a": [("abandoned", {"abandoned": True}), ("succeeded", {})]}
    )
    assert finished.status == "completed"
    assert [s.attempt for s in started] == [0, 1]
    finished, _, started = run(chain({"name": "a", "action": "c.a"}), outcomes={"a": [("abandoned", {})]})
    assert finished.status == "failed" and len(started) == 1


def test_b10d_a_cancelled_task_run_fails_the_task_and_its_transitions_run():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "do": ["cleanup"]}]},
        {"name": "cleanup", "action": "c.c"},
    )
    finished, _, started = run(definition, outcomes={"a": [("cancelled", {"cancelled": True})]})
    assert finished.status == "completed"
    assert [s.task for s in started] == ["a", "cleanup"]
