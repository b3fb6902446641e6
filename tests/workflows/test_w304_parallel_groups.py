"""W304 after a `parallel` group: once the group has finished, each nested task has finished
or will never run, so reading `task.<nested>` downstream of the group is not a warning."""

from tests.executions.conductor.harness import drive
from workflows.validation import check_definition


def _w304(definition):
    return [d.path for d in check_definition(definition).diagnostics if d.code == "W304-task-not-finished"]


def _group_then(reader_input):
    return {
        "tasks": [
            {
                "name": "group",
                "type": "parallel",
                "tasks": [{"name": "a", "action": "core.noop"}, {"name": "b", "action": "core.noop"}],
                "next": [{"do": ["after"]}],
            },
            {"name": "after", "action": "core.noop", "input": reader_input},
            {"name": "other", "action": "core.noop", "next": [{"do": ["after2"]}]},
            {"name": "after2", "action": "core.noop", "input": {"x": "{{ task.a }}"}},
        ]
    }


def test_w304_nested_task_read_after_its_group_is_not_a_warning():
    assert "/tasks/1/input/x" not in _w304(_group_then({"x": "{{ task.a.value }}"}))


def test_w304_nested_task_read_where_its_group_may_not_have_run_still_warns():
    assert _w304(_group_then({"x": "{{ task.a.value }}"})) == ["/tasks/3/input/x"]


def test_w304_nested_task_read_in_the_groups_own_transition_is_not_a_warning():
    definition = _group_then({})
    definition["tasks"][0]["next"][0]["publish"] = [{"b": "{{ task.b }}"}]
    assert "/tasks/0/next/0/publish/0/b" not in _w304(definition)


def test_w304_sibling_read_inside_the_group_still_warns():
    definition = _group_then({})
    definition["tasks"][0]["tasks"][1]["input"] = {"y": "{{ task.a }}"}
    assert "/tasks/0/tasks/1/input/y" in _w304(definition)


# Reached further downstream, or through nested groups ---------------------------------------


def _group(name, nested, **fields):
    return {"name": name, "type": "parallel", "tasks": nested, **fields}


def _task(name, **fields):
    return {"name": name, "action": "core.noop", **fields}


def _reads(name, template, **fields):
    return _task(name, input={"x": template}, **fields)


def test_w304_nested_task_read_two_steps_after_its_group_is_not_a_warning():
    tasks = [
        _group("group", [_task("a")], next=[{"do": ["middle"]}]),
        _task("middle", next=[{"do": ["after"]}]),
        _reads("after", "{{ task.a }}"),
    ]
    assert _w304({"tasks": tasks}) == []


def test_w304_nested_task_read_where_another_branch_leads_still_warns():
    # `after` is reached from `group` or from `other`: on the second path `a` never ran.
    tasks = [
        _task("start", next=[{"do": ["group", "other"]}]),
        _group("group", [_task("a")], next=[{"do": ["after"]}]),
        _task("other", next=[{"do": ["after"]}]),
        _reads("after", "{{ task.a }}"),
    ]
    assert _w304({"tasks": tasks}) == ["/tasks/3/input/x"]


def test_w304_task_read_after_an_outer_group_of_its_group_is_not_a_warning():
    # The outer group finishes after the inner one, which finishes after `a`.
    tasks = [
        _group("outer", [_group("inner", [_task("a")])], next=[{"do": ["after"]}]),
        _reads("after", "{{ task.a }}"),
    ]
    assert _w304({"tasks": tasks}) == []


def test_w304_task_read_beside_an_outer_group_of_its_group_still_warns():
    tasks = [_group("outer", [_group("inner", [_task("a")])]), _reads("beside", "{{ task.a }}")]
    assert _w304({"tasks": tasks}) == ["/tasks/1/input/x"]


def test_w304_nested_task_read_after_its_group_inside_an_outer_group_is_not_a_warning():
    nested = [_group("inner", [_task("a")], next=[{"do": ["after"]}]), _reads("after", "{{ task.a }}")]
    assert _w304({"tasks": [_group("outer", nested)]}) == []


def test_w304_nested_task_read_beside_its_group_inside_an_outer_group_still_warns():
    nested = [_group("inner", [_task("a")]), _reads("beside", "{{ task.a }}")]
    assert _w304({"tasks": [_group("outer", nested)]}) == ["/tasks/0/tasks/1/input/x"]


def test_w304_nested_task_read_inside_a_later_group_is_not_a_warning():
    tasks = [
        _group("first", [_task("a")], next=[{"do": ["second"]}]),
        _group("second", [_reads("b", "{{ task.a }}")]),
    ]
    assert _w304({"tasks": tasks}) == []


def test_w304_nested_task_read_inside_a_concurrent_group_still_warns():
    tasks = [_group("first", [_task("a")]), _group("second", [_reads("b", "{{ task.a }}")])]
    assert _w304({"tasks": tasks}) == ["/tasks/1/tasks/0/input/x"]


def test_w304_nested_task_read_in_output_map_after_its_group_is_not_a_warning():
    definition = {"tasks": [_group("group", [_task("a")])], "output_map": {"a": "{{ task.a }}"}}
    assert _w304(definition) == []


def test_w304_nested_task_read_in_output_map_where_its_group_may_not_run_still_warns():
    tasks = [
        _task("start", next=[{"when": "{{ succeeded() }}", "do": ["group"]}, {"when": "{{ failed() }}", "do": ["fix"]}]),
        _group("group", [_task("a")]),
        _task("fix"),
    ]  # fmt: skip
    assert _w304({"tasks": tasks, "output_map": {"a": "{{ task.a }}"}}) == ["/output_map/a"]


def test_w304_nested_inquiry_read_after_its_group_is_not_a_warning():
    waits = _task("ask", wait_for={"inquiry": "{{ parameters.id }}"})
    tasks = [
        _group("group", [waits], next=[{"do": ["after"]}]),
        _reads("after", "{{ inquiry.ask.response }}"),
    ]
    assert _w304({"tasks": tasks}) == []


def test_w304_nested_inquiry_read_beside_its_group_still_warns():
    waits = _task("ask", wait_for={"inquiry": "{{ parameters.id }}"})
    tasks = [_group("group", [waits]), _reads("beside", "{{ inquiry.ask.response }}")]
    assert _w304({"tasks": tasks}) == ["/tasks/1/input/x"]


def test_w304_nested_task_read_in_its_groups_own_guard_still_warns():
    # The guard renders before the group starts, so before any nested task has run.
    tasks = [_group("group", [_task("a")], when="{{ task.a }}")]
    assert _w304({"tasks": tasks}) == ["/tasks/0/when"]


def test_w304_group_read_by_its_own_nested_task_still_warns():
    definition = {"tasks": [_group("group", [_reads("a", "{{ task.group }}")])]}
    assert _w304(definition) == ["/tasks/0/tasks/0/input/x"]


# The engine agrees --------------------------------------------------------------------------


def _rendered_inputs(definition, choose):
    return {spec.task: spec.input for spec in drive(definition, choose=choose).started}


FIRST_STARTED, LAST_STARTED = (lambda pending: 0), (lambda pending: len(pending) - 1)


def test_the_engine_defines_nested_tasks_for_a_task_after_their_group_in_any_order():
    nested = [_task("a", next=[{"do": ["a2"]}]), _task("a2"), _task("b")]
    reads = "{{ task.a.task }} {{ task.a2.task }} {{ task.b.task }}"
    definition = {"tasks": [_group("group", nested, next=[{"do": ["after"]}]), _reads("after", reads)]}
    assert _w304(definition) == []
    for choose in (FIRST_STARTED, LAST_STARTED):
        assert _rendered_inputs(definition, choose)["after"] == {"x": "a a2 b"}


def test_the_engine_starts_a_nested_task_before_its_concurrent_sibling_finished_twin():
    # Both are entry tasks of the group, so both start at once: `task.a` is still undefined.
    definition = {"tasks": [_group("group", [_task("a"), _reads("b", "{{ task.a }}")])]}
    assert _w304(definition) == ["/tasks/0/tasks/1/input/x"]
    assert _rendered_inputs(definition, FIRST_STARTED)["b"] == {"x": None}
