"""The task graph as an SVG picture, laid out by Graphviz `dot` (layout.py), drawn by render.py
in the colours of theme.py.

Entry tasks have a thick border, unreachable tasks are red and dashed, `type: workflow`
tasks a double border (and a link to the child workflow when the caller can resolve one),
`parallel` tasks a shaded cluster around their sub-tasks; each edge kind has its own colour,
named in the legend, and conditions other than a plain status are written on their edge.
Tooltips (<title>) give each task's action, input keys, retry and timeout, and each edge's
condition and published variables.

Given the task states of one execution (`states`, the entries executions' task_view returns),
each task is filled by its state (a `state-<status>` class), shows its attempts and items
counts above one, and the transitions that fired (a state's `fired` positions) are drawn
thick and solid, with the class `fired`.
"""

from collections.abc import Callable

from workflows.picture.details import picture_details
from workflows.picture.layout import place
from workflows.picture.render import svg_document
from workflows.picture.theme import THEME_NAMES, THEMES

STATE_FILLS = THEMES["light"]["states"]

__all__ = ["STATE_FILLS", "THEME_NAMES", "graph_svg", "picture_details"]


def graph_svg(
    graph: dict,
    title: str = "",
    states: dict | None = None,
    *,
    definition: dict | None = None,
    theme: str = "light",
    link: Callable[[str], str | None] | None = None,
) -> str:
    """An SVG document picturing `graph` (the shape describe_graph returns).

    `states` maps task names to their state (task_view's entries); a task it does not name
    is pending. `definition` (the one `graph` describes) adds the tooltips' details and lets
    fired transitions be told apart; `link` maps a child workflow's ref to the URL its task
    links to (None: no link).
    """
    palette = THEMES[theme]
    if not graph["nodes"]:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="sans-serif">'
            f'<rect class="canvas" width="200" height="40" fill="{palette["canvas"]}"/>'
            f'<text x="10" y="25" fill="{palette["text"]}">No tasks</text></svg>'
        )
    details = picture_details(definition or {}, graph)
    return svg_document(
        graph,
        place(graph),
        palette,
        title=title,
        states=states,
        details=details,
        fired=_fired(graph, states, details),
        link=link,
    )


def _fired(graph: dict, states: dict | None, details: dict) -> set[int] | None:
    """The indexes of the edges whose transition fired, by the source task's `fired` positions."""
    if states is None:
        return None
    fired = set()
    for index, (edge, detail) in enumerate(zip(graph["edges"], details["edges"], strict=True)):
        positions = (states.get(edge["from"]) or {}).get("fired") or []
        if detail["transition"] is not None and detail["transition"] in positions:
            fired.add(index)
    return fired
