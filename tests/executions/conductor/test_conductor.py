from .harness import run


def test_s4_entry_tasks_run_in_order_and_chain():
    definition = {
        "tasks": [{"name": "a", "action": "c.a", "next": [{"do": ["b"]}]}, {"name": "b", "action": "c.b"}]
    }
    finished, _, started = run(definition)
    assert finished.status == "completed"
    assert [s.task for s in started] == ["a", "b"]


def test_s31_later_publish_wins():
    definition = {
        "tasks": [{"name": "a", "action": "c.a", "next": [{"publish": [{"x": 1}]}, {"publish": [{"x": 2}]}]}]
    }
    _, variables, _ = run(definition)
    assert variables["x"] == 2


def test_s38_unhandled_failure_fails_the_workflow():
    definition = {"tasks": [{"name": "a", "action": "c.a"}]}
    finished, _, _ = run(definition, outcomes={"a": [("failed", {})]})
    assert finished.status == "failed"
    assert finished.result["error"] == "Workflow failed: 1 task(s) failed: a"


def test_s32_a_self_loop_iterates_until_its_guard_stops_it():
    definition = {
        "vars": {"n": 0},
        "tasks": [
            {"name": "init", "action": "c.i", "next": [{"do": ["a"]}]},
            {
                "name": "a",
                "action": "c.a",
                "next": [
                    {"publish": [{"n": "{{ workflow.n + 1 }}"}]},
                    {"when": "{{ workflow.n < 2 }}", "do": ["a"]},
                ],
            },
        ],
    }
    finished, variables, started = run(definition)
    assert finished.status == "completed"
    assert [s.activation for s in started if s.task == "a"] == [1, 2, 3]
    assert variables["n"] == 3
