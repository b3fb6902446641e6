"""W304 after a `parallel` group: once the group has finished, each nested task has finished
or will never run, so reading `task.<nested>` downstream of the group is not a warning."""

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
