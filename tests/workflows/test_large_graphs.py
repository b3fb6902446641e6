"""Large graphs get correct answers, and the limits refuse oversized ones before any graph work.

Timing lives in bench/graph.py; these tests pin what is answered, not how fast.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import assert_error
from workflows.validation import check_definition
from workflows.validation.graph import graph_diagnostics


def chain(count: int, **last) -> list[dict]:
    tasks = [
        {"name": f"t{i}", "action": "core.echo", "next": [{"when": "{{ succeeded() }}", "do": [f"t{i + 1}"]}]}
        for i in range(count - 1)
    ]
    return [*tasks, {"name": f"t{count - 1}", "action": "core.echo", **last}]


def codes(report) -> set[str]:
    return {d.code for d in report.diagnostics}


# Limits before graph work --------------------------------------------------------------------


@pytest.fixture
def no_graph_work(monkeypatch):
    """Any graph analysis fails the test: a refused definition must never reach it."""

    def refuse(*args, **kwargs):
        raise AssertionError("graph work on a definition the limits refused")

    monkeypatch.setattr("workflows.validation.graph_diagnostics", refuse)
    monkeypatch.setattr("workflows.language_views.describe_graph", refuse)


def test_validate_refuses_a_10000_task_chain_by_the_task_limit_alone(api_client, no_graph_work):
    response = api_client.post(
        "/api/v1/workflows/validate", {"version": "1.0.0", "tasks": chain(10_000)}, format="json"
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["valid"] is False
    assert [(d["code"], d["path"]) for d in body["diagnostics"]] == [("W502-too-many-tasks", "/tasks")]
    assert "10000 tasks; the limit is 1000" in body["diagnostics"][0]["message"]
    assert body["graph"] == {"nodes": [], "edges": [], "entry": []}


@pytest.mark.parametrize(
    "setting, value, code",
    [
        ("ATTUNE_DEFINITION_MAX_BYTES", 2_000, "W501-definition-too-large"),
        ("ATTUNE_WORKFLOW_MAX_DEPTH", 1, "W503-too-deep"),
        ("ATTUNE_TEMPLATE_MAX_LENGTH", 10, "W504-template-too-long"),
    ],
)
def test_validate_applies_every_write_limit_before_graph_work(api_client, settings, no_graph_work, setting, value,
                                                              code):  # fmt: skip
    setattr(settings, setting, value)
    tasks = [
        *chain(30),
        {"name": "fan", "type": "parallel", "tasks": [{"name": "in", "action": "core.echo"}]},
    ]
    response = api_client.post(
        "/api/v1/workflows/validate", {"version": "1.0.0", "tasks": tasks}, format="json"
    )
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["valid"] is False and code in {d["code"] for d in body["diagnostics"]}
    assert body["graph"]["nodes"] == []


def test_validate_within_the_limits_still_answers_with_the_graph(api_client):
    response = api_client.post(
        "/api/v1/workflows/validate", {"version": "1.0.0", "tasks": chain(1000)}, format="json"
    )
    body = response.json()["data"]
    assert body["valid"] is True
    assert len(body["graph"]["nodes"]) == 1000 and len(body["graph"]["edges"]) == 999


def test_a_write_of_a_10000_task_chain_is_refused_by_the_same_limit(api_client, make_pack, no_graph_work):
    make_pack("demo")
    body = {"ref": "demo.huge", "pack_ref": "demo", "label": "Huge", "version": "1.0.0",
            "definition": {"version": "1.0.0", "tasks": chain(10_000)}}  # fmt: skip
    found = assert_error(api_client.post("/api/v1/workflows", body, format="json"), 400, "VALIDATION_ERROR")
    assert "W502-too-many-tasks" in str(found["details"])


# Correct answers on large graphs -------------------------------------------------------------


def test_every_earlier_task_of_a_long_chain_has_finished_for_the_last_one():
    tasks = chain(1000, input={"first": "{{ task.t0.out }}", "before": "{{ task.t998.out }}"})
    report = check_definition(
        {"version": "1.0.0", "tasks": tasks, "output_map": {"x": "{{ task.t999.out }}"}}
    )
    assert report.diagnostics == []


def test_a_task_on_one_branch_only_has_not_finished_after_the_join_twin():
    tasks = [
        {"name": "start", "action": "core.echo", "next": [{"do": ["left", "right"]}]},
        {"name": "left", "action": "core.echo", "next": [{"do": ["end"]}]},
        {"name": "right", "action": "core.echo", "next": [{"do": ["end"]}]},
        {"name": "end", "action": "core.echo", "join": 2, "input": {"a": "{{ task.start.x }}", "b": "{{ task.left.x }}"}},
    ]  # fmt: skip
    report = check_definition({"version": "1.0.0", "tasks": tasks})
    assert [(d.code, d.path) for d in report.diagnostics] == [("W304-task-not-finished", "/tasks/3/input/b")]
    assert "`task.left`" in report.diagnostics[0].message


def test_sub_tasks_of_a_parallel_task_see_what_finished_before_it_but_not_it():
    inner = [
        {"name": "p1", "action": "core.echo", "input": {"a": "{{ task.first.x }}", "b": "{{ task.fan.x }}"}}
    ]
    tasks = [
        {"name": "first", "action": "core.echo", "next": [{"do": ["fan"]}]},
        {"name": "fan", "type": "parallel", "tasks": inner},
    ]
    report = check_definition({"version": "1.0.0", "tasks": tasks})
    assert [(d.code, d.path) for d in report.diagnostics] == [
        ("W304-task-not-finished", "/tasks/1/tasks/0/input/b")
    ]


def test_an_endless_999_task_loop_is_one_cycle_diagnostic():
    tasks = [
        {"name": f"t{i}", "action": "core.echo", "next": [{"do": [f"t{(i + 1) % 999}"]}]} for i in range(999)
    ]
    tasks.insert(0, {"name": "start", "action": "core.echo", "next": [{"do": ["t0"]}]})
    report = check_definition({"version": "1.0.0", "tasks": tasks})
    (cycle,) = report.errors
    assert cycle.code == "W106-endless-cycle"
    assert cycle.message.count(" -> ") == 999


def test_an_unknown_target_among_many_tasks_names_a_few_siblings():
    tasks = chain(500)
    tasks[0]["next"][0]["do"].append("nowhere")
    (unknown,) = check_definition({"version": "1.0.0", "tasks": tasks}).errors
    assert unknown.code == "W101-unknown-task" and unknown.path == "/tasks/0/next/0/do/1"
    assert "and 480 more" in unknown.message
    assert len(unknown.message) < 400


def test_graph_and_picture_of_a_1000_task_workflow(api_client, make_workflow):
    make_workflow("demo.long", definition={"version": "1.0.0", "tasks": chain(1000)})
    graph = api_client.get("/api/v1/workflows/demo.long/graph").json()["data"]
    assert len(graph["nodes"]) == 1000 and all(node["reachable"] for node in graph["nodes"])
    assert len(graph["edges"]) == 999 and graph["entry"] == ["t0"]
    picture = api_client.get("/api/v1/workflows/demo.long/graph.svg")
    assert picture.status_code == 200
    assert picture.content.decode().count('<g class="task') == 1000


# The dominator tree against a brute-force oracle ------------------------------------------------

NAMES = "abcdef"


def reachable(edges, starts, removed=None) -> set[str]:
    seen, stack = set(), [s for s in starts if s != removed]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack += [t for s, t in edges if s == node and t != removed]
    return seen


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=12))
def test_finished_before_is_exactly_what_lies_on_every_path(edges):
    targets = {}
    for source, target in edges:
        targets.setdefault(source, []).append(target)
    tasks = [
        {"name": n, "action": "core.echo", "next": [{"do": targets[n]}] if n in targets else []}
        for n in NAMES
    ]
    _found, facts = graph_diagnostics({"tasks": tasks})
    entries = [n for n in NAMES if all(t != n for _s, t in edges)]
    live = reachable(edges, entries)
    for before, task in itertools.product(NAMES, NAMES):
        # `before` has finished when `task` starts iff no path from an entry avoids it.
        expected = task in live and before != task and task not in reachable(edges, entries, removed=before)
        assert (before in facts.finished_before[task]) is expected, (before, task)
    terminals = [n for n in live if not targets.get(n)]
    at_end = {
        n
        for n in live
        if terminals and all(t == n or t not in reachable(edges, entries, n) for t in terminals)
    }
    assert facts.finished_at_end == at_end
