"""The SVG of a laid-out task graph: clusters, edges (cubic Béziers from dot's splines, an
arrowhead at each head), task boxes, tooltips and the legend, in one theme's colours.

Every text drawn from the definition or the execution state is escaped.
"""

import math
from html import escape

from workflows.picture.layout import (
    CLUSTER_LABEL_CHARACTERS,
    NODE_HEIGHT,
    NODE_WIDTH,
    Layout,
    condition_label,
    short,
)
from workflows.picture.theme import EDGE_DASHES, EDGE_KINDS, STATE_LABELS, state_style

MARGIN = 20
NAME_CHARACTERS, DETAIL_CHARACTERS = 22, 26  # what fits a box in the picture's fonts
LEGEND_COLUMN = 140  # also wide enough for the one-line note above the edge kinds
LEGEND_WIDTH = 2 * MARGIN + len(EDGE_KINDS) * LEGEND_COLUMN
ARROW_LENGTH, ARROW_HALF_WIDTH = 9.0, 4.0


def svg_document(graph, placed: Layout, palette, *, title, states, details, fired, link) -> str:
    graph_height = placed.height + 2 * MARGIN
    width = max(placed.width + 2 * MARGIN, LEGEND_WIDTH)
    state_rows = 0 if states is None else math.ceil(len(STATE_LABELS) / len(EDGE_KINDS))
    height = graph_height + 56 + 22 * state_rows
    # Centre the graph when the legend is wider than it.
    dx, dy = (width - placed.width) / 2, MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12" role="img" '
        f'aria-label="{escape(title or "task graph")}">',
    ]
    if states is not None:
        parts.append(state_style(palette))
    parts.append(
        f'<rect class="canvas" x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="{palette["canvas"]}"/>'
    )
    parts.append(f'<g transform="translate({dx:.1f},{dy:.1f})">')
    names = {node["name"]: node for node in graph["nodes"]}
    for name, box in placed.clusters.items():
        parts.append(_cluster(name, box, placed.cluster_labels.get(name), palette))
    for index, edge in enumerate(graph["edges"]):
        parts.append(_edge(edge, placed, index, palette, details["edges"][index], fired, placed.labelled))
    entry = set(graph["entry"])
    for name, node in names.items():
        state = None if states is None else states.get(name, {})
        centre = placed.centres[name]
        drawn = _node(node, centre, name in entry, state, details["tasks"].get(name, {}), palette)
        href = link(node["action"]) if link and node["type"] == "workflow" and node["action"] else None
        parts.append(f'<a href="{escape(href)}" target="_top">{drawn}</a>' if href else drawn)
    parts.append("</g>")
    parts.append(_legend(graph_height, palette, states is not None))
    if states is not None:
        parts.append(_state_legend(graph_height + 56, palette))
    parts.append("</svg>")
    return "\n".join(parts)


def _cluster(name: str, box, label_at, palette) -> str:
    x0, y0, x1, y1 = box
    label_x, label_y = (x0 + 8, y0 + 14) if label_at is None else (x0 + 8, label_at[1] + 4)
    return (
        f'<g class="cluster" data-name="{escape(name)}"><title>parallel: {escape(name)}</title>'
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="10" '
        f'fill="{palette["cluster_fill"]}" stroke="{palette["cluster_stroke"]}" stroke-dasharray="4,3"/>'
        f'<text x="{label_x:.1f}" y="{label_y:.1f}" font-size="11" fill="{palette["muted"]}">'
        f"parallel {escape(short(name, CLUSTER_LABEL_CHARACTERS))}</text></g>"
    )


def bezier_path(points) -> str:
    """An SVG path through dot's B-spline control points: a start, then three per segment."""
    (x, y), rest = points[0], points[1:]
    segments = [
        "C " + " ".join(f"{px:.1f} {py:.1f}" for px, py in rest[i : i + 3])
        for i in range(0, len(rest) - len(rest) % 3, 3)
    ]
    return f"M {x:.1f} {y:.1f} " + " ".join(segments)


def _arrowhead(base, tip) -> str:
    (bx, by), (tx, ty) = base, tip
    length = math.hypot(tx - bx, ty - by) or 1.0
    ux, uy = (tx - bx) / length, (ty - by) / length
    back_x, back_y = tx - ux * ARROW_LENGTH, ty - uy * ARROW_LENGTH
    left = (back_x - uy * ARROW_HALF_WIDTH, back_y + ux * ARROW_HALF_WIDTH)
    right = (back_x + uy * ARROW_HALF_WIDTH, back_y - ux * ARROW_HALF_WIDTH)
    return f"M {tx:.1f} {ty:.1f} L {left[0]:.1f} {left[1]:.1f} L {right[0]:.1f} {right[1]:.1f} Z"


def _edge(edge, placed: Layout, index: int, palette, detail, fired, labelled) -> str:
    route = placed.edges[index]
    kind = edge["kind"] if edge["kind"] in EDGE_KINDS else "complete"
    colour = palette["edges"][kind]
    is_fired = fired is not None and index in fired
    classes = ["edge", f"edge-{kind}", *(["fired"] if is_fired else [])]
    tip = [f"{edge['from']} \u2192 {edge['to']}", f"when: {edge.get('when') or 'always'}"]
    if detail.get("publish"):
        tip.append(f"publish: {', '.join(detail['publish'])}")
    if fired is not None:
        tip.append("fired" if is_fired else "not fired")
    dash = "" if is_fired or kind not in EDGE_DASHES else f' stroke-dasharray="{EDGE_DASHES[kind]}"'
    stroke = 3.2 if is_fired else 1.6
    faded = ' opacity="0.6"' if fired is not None and not is_fired else ""
    parts = [
        f'<g class="{" ".join(classes)}" data-from="{escape(edge["from"])}" data-to="{escape(edge["to"])}">',
        f"<title>{escape(chr(10).join(tip))}</title>",
    ]
    if route.points:
        parts.append(
            f'<path class="line" d="{bezier_path(route.points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{stroke}"{dash}{faded}/>'
        )
        if route.arrow_tip:
            parts.append(
                f'<path class="head" d="{_arrowhead(route.points[-1], route.arrow_tip)}" fill="{colour}"{faded}/>'
            )
    label = condition_label(edge) if labelled else ""
    if label and route.label_at:
        x, y = route.label_at
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="10" '
            f'fill="{colour}">{escape(label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _node(node, centre, entry: bool, state, detail, palette) -> str:
    """One task; with its `state` (from an execution) also its status and progress."""
    name, kind = node["name"], node["type"]
    cx, cy = centre
    x, y = cx - NODE_WIDTH / 2, cy - NODE_HEIGHT / 2
    classes = ["task", *(["entry"] if entry else []), *(["unreachable"] if not node["reachable"] else [])]
    classes += [kind] if kind in ("workflow", "parallel") else []
    reachable = node["reachable"]
    stroke = palette["node_stroke"] if reachable else palette["unreachable_stroke"]
    fill = palette["node_fill"] if reachable else palette["unreachable_fill"]
    dash = "" if reachable else ' stroke-dasharray="5,3"'
    if kind == "workflow":
        what = f"workflow {node['action'] or ''}"
    elif kind == "parallel":
        what = "parallel"
    else:
        what = str(node["action"] or kind)
    tooltip = [name, f"action: {node['action']}" if node["action"] else f"type: {kind}"]
    tooltip += [f"type: {kind}"] if kind == "workflow" else []
    if detail.get("input"):
        tooltip.append(f"input: {', '.join(detail['input'])}")
    if detail.get("retry") is not None:
        tooltip.append(f"retry: {detail['retry']}")
    if detail.get("timeout") is not None:
        tooltip.append(f"timeout: {detail['timeout']} s")
    if detail.get("join") is not None:
        tooltip.append(f"join: {detail['join']}")
    if not reachable:
        tooltip.append("unreachable: no path leads here from an entry task")
    progress, shift = "", 0
    if state is not None:
        status = state.get("status") or "pending"
        classes.append(f"state-{status}")
        counts = _counts(state)
        tooltip.append(f"status: {status}" + (f" \u00b7 {counts}" if counts else ""))
        if counts:
            shift = 5  # three lines instead of two
            progress = (
                f'<text class="progress" x="{cx:.1f}" y="{cy + 18:.1f}" text-anchor="middle" '
                f'font-size="10" fill="{palette["muted"]}">{escape(counts)}</text>'
            )
    inner = (
        f'<rect class="inner" x="{x + 3:.1f}" y="{y + 3:.1f}" width="{NODE_WIDTH - 6}" height="{NODE_HEIGHT - 6}" '
        f'rx="6" fill="none" stroke="{stroke}" stroke-width="1"/>'
        if kind == "workflow"
        else ""
    )
    return (
        f'<g class="{escape(" ".join(classes))}" data-name="{escape(name)}">'
        f"<title>{escape(chr(10).join(tooltip))}</title>"
        f'<rect class="box" x="{x:.1f}" y="{y:.1f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="8" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if entry else 1.2}"{dash}/>{inner}'
        f'<text x="{cx:.1f}" y="{cy - 4 - shift:.1f}" text-anchor="middle" font-weight="bold" '
        f'fill="{palette["text"]}">{escape(short(name, NAME_CHARACTERS))}</text>'
        f'<text x="{cx:.1f}" y="{cy + 13 - 2 * shift:.1f}" text-anchor="middle" '
        f'fill="{palette["link"] if kind == "workflow" else palette["muted"]}">'
        f"{escape(short(what, DETAIL_CHARACTERS))}</text>"
        f"{progress}</g>"
    )


def _counts(state: dict) -> str:
    """The attempts and items counts worth showing (more than one), e.g. "\u00d72 attempts · 3/10 items"."""
    counts = []
    if state.get("attempts", 0) > 1:
        counts.append(f"\u00d7{state['attempts']} attempts")  # a multiplication sign
    items = state.get("items") or {}
    if items.get("total", 0) > 1:
        counts.append(f"{items.get('finished', 0)}/{items['total']} items")
    return " · ".join(counts)


def _legend(y: float, palette, with_states: bool) -> str:
    note = "thick border: entry \u00b7 red dashed: unreachable \u00b7 double border: workflow \u00b7 shaded: parallel"
    if with_states:
        note += " \u00b7 thick edge: fired"
    items = [f'<text x="{MARGIN}" y="{y + 12:.0f}" fill="{palette["text"]}">{note}</text>']
    for index, (kind, label) in enumerate(EDGE_KINDS.items()):
        lx, colour = MARGIN + index * LEGEND_COLUMN, palette["edges"][kind]
        dash = f' stroke-dasharray="{EDGE_DASHES[kind]}"' if kind in EDGE_DASHES else ""
        items.append(
            f'<line x1="{lx}" y1="{y + 28:.0f}" x2="{lx + 22}" y2="{y + 28:.0f}" stroke="{colour}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 26}" y="{y + 32:.0f}" fill="{colour}">{label}</text>'
        )
    return '<g class="legend">' + "".join(items) + "</g>"


def _state_legend(y: float, palette) -> str:
    """Rows of swatches, one per state colour."""
    items = []
    for index, (status, label) in enumerate(STATE_LABELS.items()):
        row, column = divmod(index, len(EDGE_KINDS))
        lx, ly = MARGIN + column * LEGEND_COLUMN, y + row * 22
        items.append(
            f'<g class="state-{status}"><rect x="{lx}" y="{ly:.0f}" width="24" height="14" rx="3" '
            f'stroke="{palette["node_stroke"]}" stroke-width="0.8" fill="{palette["node_fill"]}"/>'
            f'<text x="{lx + 28}" y="{ly + 11:.0f}" fill="{palette["text"]}">{label}</text></g>'
        )
    return '<g class="legend states">' + "".join(items) + "</g>"
