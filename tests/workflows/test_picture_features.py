"""What the picture shows: tooltips, ellipses, clusters, links to child workflows, conditions,
odd graphs (empty, cycles, self-loops, unreachable tasks, markup in names) and the layout cache."""

import pytest

from tests.workflows.picture_svg import SVG, drawn_edges, groups, parse, task_boxes, title
from workflows.picture import graph_svg, layout
from workflows.validation import check_definition, describe_graph

LONG = "reconcile_the_quarterly_ledger_with_the_bank"


def picture(definition: dict, **options):
    definition = check_definition(definition).definition
    return parse(graph_svg(describe_graph(definition), "demo", definition=definition, **options))


def task(root, name):
    return next(g for g in groups(root, "task") if g.get("data-name") == name)


def texts(group) -> list[str]:
    return [t.text for t in group.findall(f"{SVG}text")]


def node(name, action="core.noop", kind="action", parent=None, reachable=True):
    return {"name": name, "action": action, "type": kind, "parent": parent, "reachable": reachable}


TOOLTIPS = {"version": "1.0.0", "tasks": [
    {"name": "fetch", "action": "core.http", "input": {"url": "https://x.test", "method": "GET"},
     "retry": {"count": 3, "delay": 5}, "timeout": 60, "next": [
        {"when": "{{ succeeded() }}", "publish": [{"body": "{{ result().body }}"}, {"code": "{{ 1 }}"}],
         "do": ["store"]},
        {"when": "{{ failed() or timed_out() }}", "do": ["store"]},
    ]},
    {"name": "store", "action": "core.noop"},
]}  # fmt: skip


def test_a_task_tooltip_names_action_input_keys_retry_and_timeout():
    tooltip = title(task(picture(TOOLTIPS), "fetch")).split("\n")
    assert tooltip == ["fetch", "action: core.http", "input: method, url", "retry: 3", "timeout: 60 s"]


def test_an_edge_tooltip_gives_its_condition_and_published_keys():
    edges = drawn_edges(picture(TOOLTIPS))
    assert [e.title.split("\n") for e in edges] == [
        ["fetch \u2192 store", "when: {{ succeeded() }}", "publish: body, code"],
        ["fetch \u2192 store", "when: {{ failed() or timed_out() }}"],
    ]
    assert [e.classes for e in edges] == [["edge", "edge-success"], ["edge", "edge-failure"]]


def test_two_transitions_between_the_same_tasks_are_two_separate_curves():
    first, second = (e.samples for e in drawn_edges(picture(TOOLTIPS)))
    middle = len(first) // 2
    assert abs(first[middle][0] - second[middle][0]) > 5


def test_a_long_name_ends_in_an_ellipsis_and_the_tooltip_has_it_whole():
    root = picture({"version": "1.0.0", "tasks": [{"name": LONG, "action": "core.noop"}]})
    shown = texts(task(root, LONG))[0]
    assert shown.endswith("\u2026") and LONG.startswith(shown[:-1]) and len(shown) == 22
    assert title(task(root, LONG)).split("\n")[0] == LONG


def test_a_short_name_is_shown_whole():
    root = picture({"version": "1.0.0", "tasks": [{"name": "short", "action": "core.noop"}]})
    assert texts(task(root, "short")) == ["short", "core.noop"]


def test_a_condition_other_than_a_status_is_written_on_its_edge():
    root = picture({"version": "1.0.0", "tasks": [
        {"name": "a", "action": "core.noop", "next": [
            {"when": "{{ ctx.count > 3 }}", "do": ["b"]},
            {"when": "{{ succeeded() and result().body.items | length > 100 }}", "do": ["b"]},
            {"when": "{{ succeeded() }}", "do": ["b"]},
        ]},
        {"name": "b", "action": "core.noop"},
    ]})  # fmt: skip
    assert [e.label for e in drawn_edges(root)] == [
        "ctx.count > 3",
        "succeeded() and result().bo\u2026",
        None,
    ]


PARALLEL = {"version": "1.0.0", "tasks": [
    {"name": "begin", "action": "core.noop", "next": [{"do": ["both"]}]},
    {"name": "both", "type": "parallel", "tasks": [
        {"name": "left", "action": "core.noop", "next": [{"do": ["left_after"]}]},
        {"name": "left_after", "action": "core.noop"},
        {"name": "right", "action": "core.noop"},
    ], "next": [{"do": ["end"]}]},
    {"name": "end", "action": "core.noop"},
]}  # fmt: skip


def test_a_parallel_task_is_a_cluster_around_its_sub_tasks_without_arrows_to_them():
    root = picture(PARALLEL)
    (cluster,) = groups(root, "cluster")
    assert cluster.get("data-name") == "both"
    assert texts(cluster) == ["parallel both"]
    pairs = [(e.source, e.target) for e in drawn_edges(root)]
    assert pairs == [("begin", "both"), ("both", "end"), ("left", "left_after")]
    assert "parallel" in task(root, "both").get("class").split()


def test_a_parallel_tasks_transitions_leave_from_the_cluster_border():
    root = picture(PARALLEL)
    boxes = task_boxes(root)
    out = next(e for e in drawn_edges(root) if e.source == "both")
    cluster_bottom = max(boxes[name].y1 for name in ("left_after", "right"))
    assert out.samples[0][1] > cluster_bottom  # below the sub-tasks, not from the parallel box


def test_a_workflow_task_has_a_double_border_and_names_the_child():
    root = picture(
        {"version": "1.0.0", "tasks": [{"name": "sub", "type": "workflow", "action": "demo.child"}]}
    )
    group = task(root, "sub")
    assert group.get("class").split() == ["task", "entry", "workflow"]
    assert [r.get("class") for r in group.findall(f"{SVG}rect")] == ["box", "inner"]
    assert texts(group) == ["sub", "workflow demo.child"]


def test_a_workflow_task_links_where_the_resolver_says():
    definition = {"version": "1.0.0", "tasks": [
        {"name": "known", "type": "workflow", "action": "demo.child", "next": [{"do": ["unknown"]}]},
        {"name": "unknown", "type": "workflow", "action": "demo.missing"},
    ]}  # fmt: skip
    root = picture(definition, link={"demo.child": "/admin/workflows/workflow/7/change/"}.get)
    (anchor,) = root.iter(f"{SVG}a")
    assert anchor.get("href") == "/admin/workflows/workflow/7/change/"
    assert anchor.find(f"{SVG}g").get("data-name") == "known"


def test_graph_svg_links_a_child_workflow_to_its_admin_page_when_it_exists(api_client, make_workflow):
    child = make_workflow("demo.child")
    make_workflow("demo.flow", definition={"version": "1.0.0", "tasks": [
        {"name": "known", "type": "workflow", "action": "demo.child", "next": [{"do": ["unknown"]}]},
        {"name": "unknown", "type": "workflow", "action": "demo.missing"},
    ]})  # fmt: skip
    root = parse(api_client.get("/api/v1/workflows/demo.flow/graph.svg").content.decode())
    anchors = {a.find(f"{SVG}g").get("data-name"): a.get("href") for a in root.iter(f"{SVG}a")}
    assert anchors == {"known": f"/admin/workflows/workflow/{child.pk}/change/"}


def test_an_empty_workflow_says_it_has_no_tasks():
    root = parse(graph_svg({"nodes": [], "edges": [], "entry": []}, theme="dark"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No tasks"]


def test_an_entry_less_cycle_is_drawn_whole():
    graph = {
        "nodes": [node("x", reachable=False), node("y", reachable=False)],
        "edges": [{"from": "x", "to": "y", "kind": "failure", "when": "{{ failed() }}"},
                  {"from": "y", "to": "x", "kind": "failure", "when": "{{ failed() }}"}],
        "entry": [],
    }  # fmt: skip
    root = parse(graph_svg(graph))
    assert sorted(task_boxes(root)) == ["x", "y"]
    assert sorted((e.source, e.target) for e in drawn_edges(root) if e.samples) == [("x", "y"), ("y", "x")]


def test_unreachable_tasks_are_red_and_dashed():
    graph = {"nodes": [node("a"), node("lost", reachable=False)], "edges": [], "entry": ["a"]}
    lost = task(parse(graph_svg(graph)), "lost")
    assert "unreachable" in lost.get("class").split()
    box = lost.find(f"{SVG}rect")
    assert box.get("stroke") == "#c62828" and box.get("stroke-dasharray") == "5,3"


def test_a_task_that_transitions_to_itself_has_a_loop():
    root = picture({"version": "1.0.0", "tasks": [
        {"name": "poll", "action": "core.noop", "next": [{"when": "{{ ctx.again }}", "do": ["poll"]}]},
    ]})  # fmt: skip
    (loop,) = drawn_edges(root)
    box = task_boxes(root)["poll"]
    assert (loop.source, loop.target) == ("poll", "poll")
    assert max(x for x, _y in loop.samples) > box.x1  # it goes round outside the box


def test_markup_in_names_and_actions_is_escaped():
    name = 'a<b>&"c'
    graph = {
        "nodes": [node(name, action='x.<script>"'), node("next")],
        "edges": [{"from": name, "to": "next", "kind": "conditional", "when": '{{ "<" & x }}'}],
        "entry": [name],
    }
    svg = graph_svg(graph, title='<t>"')
    assert "<script>" not in svg and "a<b>" not in svg
    root = parse(svg)  # it still parses, and the texts come back as written
    assert task(root, name) is not None and texts(task(root, name)) == [name, 'x.<script>"']
    assert drawn_edges(root)[0].label == '"<" & x'


def test_a_second_picture_of_the_same_structure_does_not_run_dot(monkeypatch):
    monkeypatch.setattr(layout, "_cache", type(layout._cache)())
    runs = layout.LAYOUT_RUNS["dot"]
    definition = check_definition(TOOLTIPS).definition
    graph = describe_graph(definition)
    graph_svg(graph, definition=definition)
    graph_svg(graph, states={"fetch": {"status": "running"}}, theme="dark", definition=definition)
    assert layout.LAYOUT_RUNS["dot"] == runs + 1
    changed = {**graph, "nodes": [*graph["nodes"], node("extra")]}
    graph_svg(changed)
    assert layout.LAYOUT_RUNS["dot"] == runs + 2


def test_the_layout_cache_forgets_the_least_recently_used(monkeypatch):
    monkeypatch.setattr(layout, "_cache", type(layout._cache)())
    monkeypatch.setattr(layout, "CACHE_SIZE", 2)
    graphs = [{"nodes": [node(f"t{i}")], "edges": [], "entry": [f"t{i}"]} for i in range(3)]
    for graph in graphs:
        graph_svg(graph)
    runs = layout.LAYOUT_RUNS["dot"]
    graph_svg(graphs[2])
    assert layout.LAYOUT_RUNS["dot"] == runs
    graph_svg(graphs[0])
    assert layout.LAYOUT_RUNS["dot"] == runs + 1


def test_tasks_are_ranked_below_the_tasks_leading_to_them():
    root = picture({"version": "1.0.0", "tasks": [
        {"name": "a", "action": "core.echo", "next": [{"do": ["b", "c"]}]},
        {"name": "b", "action": "core.echo", "next": [{"do": ["d"]}]},
        {"name": "c", "action": "core.echo", "next": [{"do": ["d"]}]},
        {"name": "d", "action": "core.echo", "join": 2, "next": [{"when": "{{ failed() }}", "do": ["b"]}]},
        {"name": "loose", "action": "core.echo"},
    ]})  # fmt: skip
    y = {name: box.y0 for name, box in task_boxes(root).items()}
    assert y["a"] == y["loose"] < y["b"] == y["c"] < y["d"]


@pytest.mark.parametrize("status", ["succeeded", "failed", "running"])
def test_states_without_a_definition_still_draw(status):
    graph = {"nodes": [node("t")], "edges": [], "entry": ["t"]}
    root = parse(graph_svg(graph, states={"t": {"status": status}}))
    assert f"state-{status}" in task(root, "t").get("class").split()
