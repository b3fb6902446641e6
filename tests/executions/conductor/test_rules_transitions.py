"""Transitions and namespaces: S3, S18, S19, S21, S24-S26, S29, S30, S32, S33, each with its
negative twin."""

from .harness import chain, drive

B = {"name": "b", "action": "c.b"}
C = {"name": "c", "action": "c.c"}


def publishes(*entries, result=None, status="succeeded", **fields):
    definition = chain({"name": "a", "action": "c.a", "next": [{"publish": list(entries)}]}, **fields)
    return drive(definition, outcomes={"a": [(status, result)]}).state["variables"]


def test_s3_workflow_variables_are_a_copy_of_vars_not_rendered():
    assert publishes(vars={"x": "{{ 1 + 1 }}", "y": [1]}) == {"x": "{{ 1 + 1 }}", "y": [1]}


def test_s3_twin_a_published_template_is_rendered():
    assert publishes({"x": "{{ 1 + 1 }}"}, vars={"x": "{{ 1 + 1 }}"}) == {"x": 2}


def test_s18_every_transition_whose_when_is_true_fires_in_list_order():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ true }}", "do": ["c"]}, {"do": ["b"]}]}, B, C
    )
    assert [s.task for s in drive(definition).started] == ["a", "c", "b"]


def test_s18_twin_a_false_when_does_not_fire():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ false }}", "do": ["c"]}, {"do": ["b"]}]}, B, C
    )
    assert [s.task for s in drive(definition).started] == ["a", "b"]


def test_s19_publish_forms_template_literal_and_bare_name():
    variables = publishes({"t": "{{ result().n }}"}, {"lit": [1, None, True]}, "whole", result={"n": 3})
    assert variables == {"t": 3, "lit": [1, None, True], "whole": {"n": 3}}


def test_s19_strings_inside_a_published_list_or_object_are_templates_as_in_input():
    # The validator checks them as templates (scopes.transition_strings), so they render.
    variables = publishes({"l": ["{{ result().n }}", {"k": "n={{ result().n }}"}]}, result={"n": 3})
    assert variables == {"l": [3, {"k": "n=3"}]}


def test_s19_twin_text_around_a_template_gives_text_and_the_aliases_read_one_store():
    variables = publishes({"t": "n={{ result().n }}"}, result={"n": 3}, vars={"v": 1})
    assert variables == {"v": 1, "t": "n=3"}
    variables = publishes({"w": "{{ [workflow.v, vars.v, variables.v] }}"}, vars={"v": 1})
    assert variables["w"] == [1, 1, 1]


def test_s21_a_whole_template_keeps_its_json_type():
    variables = publishes({"i": "{{ 5 }}"}, {"l": "{{ [1, none] }}"}, {"n": "{{ none }}"})
    assert variables == {"i": 5, "l": [1, None], "n": None}


def test_s21_twin_interpolation_gives_text_with_null_empty_and_objects_as_compact_json():
    variables = publishes({"s": "[{{ none }}|{{ [1, 2] }}|{{ {'a': 1} }}|{{ 5 }}]"})
    assert variables == {"s": '[|[1,2]|{"a":1}|5]'}


def test_s24_task_name_is_the_latest_finished_result_and_undefined_before():
    definition = chain(
        {
            "name": "a",
            "action": "c.a",
            "next": [{"publish": [{"before": "{{ task.b is defined }}"}], "do": ["b"]}],
        },
        {"name": "b", "action": "c.b", "next": [{"publish": [{"after": "{{ task.a }}"}]}]},
    )
    assert drive(definition).state["variables"] == {"before": False, "after": {"task": "a"}}


def test_s24_twin_config_and_system_come_from_the_context_not_the_parameters():
    definition = chain(
        {"name": "a", "action": "c.a", "input": {"c": "{{ config.k }}", "s": "{{ system.execution_id }}"}}
    )
    done = drive(definition, parameters={"k": "p"}, config={"k": "conf"}, system={"execution_id": 7})
    assert done.started[0].input == {"c": "conf", "s": 7}


def test_s25_keys_under_data_are_also_at_the_top_level():
    assert publishes({"x": "{{ result().x }}"}, result={"data": {"x": 1}}) == {"x": 1}


def test_s25_twin_flattening_does_not_overwrite_a_top_level_key():
    assert publishes({"x": "{{ result().x }}"}, result={"x": 0, "data": {"x": 1}}) == {"x": 0}


def test_s26_at_most_one_status_function_is_true():
    for status, expected in (("succeeded", [True, False, False]), ("failed", [False, True, False])):
        assert publishes({"s": "{{ [succeeded(), failed(), timed_out()] }}"}, status=status) == {
            "s": expected
        }


def test_s26_twin_all_status_functions_are_false_when_skipped():
    definition = chain(
        {"name": "a", "action": "c.a", "when": "{{ false }}",
         "next": [{"publish": [{"s": "{{ [succeeded(), failed(), timed_out(), result()] }}"}]}]}
    )  # fmt: skip
    assert drive(definition).state["variables"] == {"s": [False, False, False, None]}


RACE = chain(
    {"name": "a", "action": "c.a", "next": [{"publish": [{"last": "a"}, {"seen": "{{ workflow.last }}"}]}]},
    {"name": "b", "action": "c.b", "next": [{"publish": [{"last": "b"}]}]},
    vars={"last": None},
)


def pick(task):
    return lambda pending: next((i for i, s in enumerate(pending) if s.task == task), 0)


def test_s29_runs_advance_one_at_a_time_in_completion_order():
    assert drive(RACE, choose=pick("b")).state["variables"] == {"last": "a", "seen": "b"}


def test_s29_twin_the_other_completion_order_gives_the_other_winner():
    assert drive(RACE, choose=pick("a")).state["variables"] == {"last": "b", "seen": None}


def test_s30_every_when_is_evaluated_against_one_snapshot():
    definition = chain(
        {"name": "a", "action": "c.a",
         "next": [{"publish": [{"x": 1}]}, {"when": "{{ workflow.x == 1 }}", "publish": [{"y": "{{ workflow.x }}"}]}]},
        vars={"x": 0},
    )  # fmt: skip
    assert drive(definition).state["variables"] == {"x": 1}


def test_s30_twin_the_next_task_sees_the_published_value():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"publish": [{"x": 1}], "do": ["b"]}]},
        {
            "name": "b",
            "action": "c.b",
            "next": [{"when": "{{ workflow.x == 1 }}", "publish": [{"y": "{{ workflow.x }}"}]}],
        },
        vars={"x": 0},
    )
    assert drive(definition).state["variables"] == {"x": 1, "y": 1}


def test_s32_a_second_trigger_of_a_task_outside_a_loop_is_ignored():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"do": ["b", "c"]}]},
        {"name": "b", "action": "c.b", "next": [{"do": ["d"]}]},
        {"name": "c", "action": "c.c", "next": [{"do": ["d"]}]},
        {"name": "d", "action": "c.d"},
    )
    assert [s.task for s in drive(definition).started] == ["a", "b", "c", "d"]


def test_s32_twin_a_self_loop_whose_guard_is_false_runs_once():
    definition = chain(
        {"name": "init", "action": "c.i", "next": [{"do": ["a"]}]},
        {"name": "a", "action": "c.a", "next": [{"when": "{{ false }}", "do": ["a"]}]},
    )
    assert [s.task for s in drive(definition).started] == ["init", "a"]


def test_s33_a_failure_is_handled_when_a_firing_transition_has_a_do():
    definition = chain({"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "do": ["b"]}]}, B)
    assert drive(definition, outcomes={"a": [("failed", {})]}).finished.status == "completed"


def test_s33_handled_even_when_the_target_ignores_the_trigger():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"do": ["b", "c"]}]},
        {"name": "b", "action": "c.b", "next": [{"do": ["c"]}]},
        C,
    )
    done = drive(definition, outcomes={"b": [("failed", {})]})
    assert (done.finished.status, [s.task for s in done.started]) == ("completed", ["a", "b", "c"])


def test_s33_twin_a_firing_transition_with_only_publish_leaves_it_unhandled():
    definition = chain(
        {"name": "a", "action": "c.a", "next": [{"when": "{{ failed() }}", "publish": [{"x": 1}]}]}
    )
    done = drive(definition, outcomes={"a": [("failed", {})]})
    assert (done.finished.status, done.state["variables"]) == ("failed", {"x": 1})
