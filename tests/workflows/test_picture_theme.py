"""graph.svg?theme=: every text of the picture readable (WCAG contrast >= 4.5:1) on what it is
drawn on, in both themes; an unknown theme is a 400."""

import pytest

from tests.conftest import assert_error
from tests.workflows.picture_svg import SVG, groups, parse
from workflows.picture import THEME_NAMES, graph_svg
from workflows.picture.theme import STATE_LABELS, THEMES, contrast, state_colour

DEFINITION = {"version": "1.0.0", "tasks": [
    {"name": "start", "action": "core.echo", "next": [
        {"when": "{{ succeeded() }}", "do": ["child"]},
        {"when": "{{ failed() }}", "do": ["group"]},
        {"when": "{{ timed_out() }}", "do": ["group"]},
        {"when": "{{ ctx.count > 3 }}", "do": ["group"]},
        {"do": ["child"]},
    ]},
    {"name": "child", "type": "workflow", "action": "demo.other"},
    {"name": "group", "type": "parallel", "tasks": [{"name": "inside", "action": "core.noop"}]},
    {"name": "loose", "action": "core.noop", "next": [{"do": ["loose"]}]},
]}  # fmt: skip
MINIMUM = 4.5


def backgrounds(palette: dict) -> list[str]:
    """Every fill a text may sit on: the canvas, clusters, tasks in each state, unreachable ones."""
    fills = [palette["canvas"], palette["cluster_fill"], palette["node_fill"], palette["unreachable_fill"]]
    return fills + [state_colour(palette, status) for status in STATE_LABELS]


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_each_text_colour_has_contrast_on_each_background(theme):
    palette = THEMES[theme]
    # Task texts sit on any task fill; edge labels and the legend on the canvas or a cluster.
    for text in (palette["text"], palette["muted"], palette["link"]):
        for background in backgrounds(palette):
            assert contrast(text, background) >= MINIMUM, (theme, text, background)
    for kind, colour in palette["edges"].items():
        for background in (palette["canvas"], palette["cluster_fill"]):
            assert contrast(colour, background) >= MINIMUM, (theme, kind, background)


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_the_picture_uses_only_colours_the_contrast_test_covers(theme):
    # Every text element's fill, read from the drawing, is one the test above checked.
    palette = THEMES[theme]
    graph = {
        "nodes": [
            {"name": n, "action": a, "type": t, "parent": p, "reachable": r}
            for n, a, t, p, r in [
                ("start", "core.echo", "action", None, True), ("child", "demo.other", "workflow", None, True),
                ("group", None, "parallel", None, True), ("inside", "core.noop", "action", "group", True),
                ("loose", "core.noop", "action", None, False),
            ]
        ],
        "edges": [{"from": "start", "to": "group", "kind": "conditional", "when": "{{ ctx.x }}"}],
        "entry": ["start"],
    }  # fmt: skip
    root = parse(graph_svg(graph, states={"start": {"status": "failed", "attempts": 2}}, theme=theme))
    checked = {palette["text"], palette["muted"], palette["link"], *palette["edges"].values()}
    fills = {text.get("fill") for text in root.iter(f"{SVG}text")}
    assert fills <= checked
    assert root.find(f"{SVG}rect[@class='canvas']").get("fill") == palette["canvas"]
    assert {g.find(f"{SVG}rect").get("fill") for g in groups(root, "cluster")} == {palette["cluster_fill"]}


def test_the_two_themes_differ_in_every_background():
    light, dark = THEMES["light"], THEMES["dark"]
    assert all(a != b for a, b in zip(backgrounds(light), backgrounds(dark), strict=True))


def test_the_contrast_formula_gives_the_known_extremes():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#ffffff", "#ffffff") == 1


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_graph_svg_answers_in_the_theme_asked_for(api_client, make_workflow, theme):
    make_workflow("demo.flow", definition=DEFINITION)
    response = api_client.get("/api/v1/workflows/demo.flow/graph.svg", {"theme": theme})
    assert response.status_code == 200
    root = parse(response.content.decode())
    assert root.find(f"{SVG}rect[@class='canvas']").get("fill") == THEMES[theme]["canvas"]


def test_without_a_theme_the_picture_is_light(api_client, make_workflow):
    make_workflow("demo.flow", definition=DEFINITION)
    root = parse(api_client.get("/api/v1/workflows/demo.flow/graph.svg").content.decode())
    assert root.find(f"{SVG}rect[@class='canvas']").get("fill") == THEMES["light"]["canvas"]


@pytest.mark.parametrize("raw", ["", "Dark", "blue", "light "])
def test_an_unknown_theme_is_a_400(api_client, make_workflow, raw):
    make_workflow("demo.flow", definition=DEFINITION)
    body = assert_error(
        api_client.get("/api/v1/workflows/demo.flow/graph.svg", {"theme": raw}), 400, "VALIDATION_ERROR"
    )
    assert body["details"]["theme"] == ["Must be one of: light, dark."]


def test_an_unknown_theme_with_an_execution_is_a_400_too(api_client, make_workflow):
    make_workflow("demo.flow", definition=DEFINITION)
    response = api_client.get("/api/v1/workflows/demo.flow/graph.svg", {"theme": "x", "execution": "1"})
    assert_error(response, 400, "VALIDATION_ERROR")
