"""workflows/picture with task states: the class, colour and counts of each node."""

import xml.etree.ElementTree as ET

import pytest

from workflows.picture import STATE_FILLS, graph_svg

SVG = "{http://www.w3.org/2000/svg}"


def one_task(state):
    graph = {
        "nodes": [{"name": "t", "action": "core.noop", "type": "action", "parent": None, "reachable": True}],
        "edges": [],
        "entry": ["t"],
    }
    svg = graph_svg(graph, "demo.flow", {"t": state})
    root = ET.fromstring(svg)  # noqa: S314 - the picture our own code drew
    node = next(g for g in root.iter(f"{SVG}g") if "task" in g.get("class", "").split())
    return node.get("class").split(), [text.text for text in node.findall(f"{SVG}text")]


@pytest.mark.parametrize("status", sorted(STATE_FILLS))
def test_each_state_is_a_class_on_the_node(status):
    classes, _texts = one_task({"status": status, "attempts": 1})
    assert classes == ["task", "entry", f"state-{status}"]


def test_one_attempt_and_one_item_show_no_counts():
    _classes, texts = one_task({"status": "running", "attempts": 1, "items": {"total": 1, "finished": 0}})
    assert texts == ["t", "core.noop"]


def test_retries_and_items_show_their_counts():
    state = {"status": "running", "attempts": 3, "items": {"total": 10, "finished": 4}}
    _classes, texts = one_task(state)
    assert texts == ["t", "core.noop", "\u00d73 attempts \u00b7 4/10 items"]


def test_a_status_is_escaped_in_the_class():
    # The document still parses, and the quote stays inside the class attribute.
    classes, _texts = one_task({"status": 'x" onload="y'})
    assert classes == ["task", "entry", 'state-x"', 'onload="y']
