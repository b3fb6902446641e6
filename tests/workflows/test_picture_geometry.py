"""The picture of every example workflow: every edge drawn, none under a task box, no boxes on
top of each other, and each `parallel` cluster around its sub-tasks."""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from packs.ondisk.loader import read_pack
from tests.workflows.picture_svg import cluster_boxes, drawn_edges, parse, task_boxes
from workflows.picture import graph_svg
from workflows.validation import check_definition, describe_graph

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "packs"
EXAMPLE_WORKFLOWS = {
    spec.ref: spec.fields["definition"]
    for pack_dir in sorted(EXAMPLES.iterdir())
    if (pack_dir / "pack.yaml").is_file()
    for spec in read_pack(pack_dir).workflows
}
EDGE_MARGIN = 2  # pixels a curve may touch a box by (anti-aliasing, the arrowhead's base)


def picture_of(definition: dict):
    definition = check_definition(definition).definition
    graph = describe_graph(definition)
    return graph, parse(graph_svg(graph, "example", definition=definition))


def test_the_examples_include_the_workflows_of_the_issue():
    assert {"approvals.change_approval", "data_pipeline.daily_sales"} <= set(EXAMPLE_WORKFLOWS)
    graph = describe_graph(check_definition(EXAMPLE_WORKFLOWS["data_pipeline.daily_sales"]).definition)
    pairs = Counter((e["from"], e["to"]) for e in graph["edges"])
    assert len(graph["edges"]) == 14 and pairs[("check_source", "alert")] == 2


@pytest.mark.parametrize("ref", sorted(EXAMPLE_WORKFLOWS))
def test_every_edge_is_drawn_parallel_ones_too(ref):
    graph, root = picture_of(EXAMPLE_WORKFLOWS[ref])
    expected = Counter((e["from"], e["to"]) for e in graph["edges"])
    drawn = Counter((e.source, e.target) for e in drawn_edges(root) if e.samples)
    assert drawn == expected


@pytest.mark.parametrize("ref", sorted(EXAMPLE_WORKFLOWS))
def test_no_edge_passes_through_another_task(ref):
    _graph, root = picture_of(EXAMPLE_WORKFLOWS[ref])
    boxes = task_boxes(root)
    for edge in drawn_edges(root):
        for name, box in boxes.items():
            if name in (edge.source, edge.target):
                continue
            inside = [p for p in edge.samples if box.shrunk(EDGE_MARGIN).holds(p)]
            assert not inside, f"{edge.source} -> {edge.target} passes through {name} at {inside[0]}"


@pytest.mark.parametrize("ref", sorted(EXAMPLE_WORKFLOWS))
def test_no_two_task_boxes_overlap(ref):
    _graph, root = picture_of(EXAMPLE_WORKFLOWS[ref])
    boxes = sorted(task_boxes(root).items())
    for index, (name, box) in enumerate(boxes):
        for other, other_box in boxes[index + 1 :]:
            assert not box.overlaps(other_box), (name, other)


@pytest.mark.parametrize("ref", sorted(EXAMPLE_WORKFLOWS))
def test_each_cluster_holds_its_parallel_task_and_sub_tasks_and_no_other(ref):
    graph, root = picture_of(EXAMPLE_WORKFLOWS[ref])
    boxes, clusters = task_boxes(root), cluster_boxes(root)
    parents = {node["name"]: node["parent"] for node in graph["nodes"]}
    assert set(clusters) == {parent for parent in parents.values() if parent}

    def within(name, group):
        while name is not None:
            if name == group:
                return True
            name = parents[name]
        return False

    for group, cluster in clusters.items():
        for name, box in boxes.items():
            if within(name, group):
                assert cluster.contains(box), (group, name)
            else:
                assert not cluster.overlaps(box), (group, name)


def test_change_approval_edges_leave_from_their_own_task():
    # The issue's complaint: schedule_change -> notify_failure read as leaving cancel_change.
    _graph, root = picture_of(EXAMPLE_WORKFLOWS["approvals.change_approval"])
    boxes = task_boxes(root)
    edge = next(e for e in drawn_edges(root) if (e.source, e.target) == ("schedule_change", "notify_failure"))
    start, end = edge.samples[0], edge.samples[-1]
    source, target = boxes["schedule_change"], boxes["notify_failure"]
    assert source.x0 - 1 <= start[0] <= source.x1 + 1 and abs(start[1] - source.y1) <= 2
    assert target.x0 - 1 <= end[0] <= target.x1 + 1 and target.y0 - 12 <= end[1] <= target.y0
    assert not any(boxes["cancel_change"].holds(p) for p in edge.samples)


def test_the_checks_catch_an_edge_through_a_box_and_overlapping_boxes():
    # The reading helpers on a hand-drawn picture, so a broken layout would fail the tests above.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><g>'
        '<g class="task" data-name="a"><title>a</title><rect x="0" y="0" width="100" height="40"/></g>'
        '<g class="task" data-name="b"><title>b</title><rect x="0" y="200" width="100" height="40"/></g>'
        '<g class="task" data-name="c"><title>c</title><rect x="0" y="100" width="100" height="40"/></g>'
        '<g class="task" data-name="d"><title>d</title><rect x="90" y="110" width="100" height="40"/></g>'
        '<g class="edge edge-success" data-from="a" data-to="b"><title>a</title>'
        '<path class="line" d="M 50 40 C 50 90 50 150 50 200"/></g></g></svg>'
    )
    root = parse(svg)
    boxes = task_boxes(root)
    (edge,) = drawn_edges(root)
    assert any(boxes["c"].shrunk(EDGE_MARGIN).holds(p) for p in edge.samples)
    assert not any(boxes["d"].shrunk(EDGE_MARGIN).holds(p) for p in edge.samples)
    assert boxes["c"].overlaps(boxes["d"]) and not boxes["a"].overlaps(boxes["b"])
