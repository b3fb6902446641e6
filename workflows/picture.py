"""The task graph as an SVG picture.

networkx lays the graph out (breadth-first layers from the entry tasks); this module only
turns those positions into SVG elements. Entry tasks have a thick border, unreachable tasks
are red and dashed, and each edge kind has its own colour, named in the legend.
"""

from html import escape

import networkx as nx

ROOT = ("root",)  # a virtual node before the entry tasks, so one layout holds every task
NODE_WIDTH, NODE_HEIGHT, GAP_X, GAP_Y, MARGIN = 170, 46, 30, 70, 40
LEGEND_WIDTH = 2 * MARGIN + 6 * 95
EDGE_STYLES = {
    "success": ("#2e7d32", ""),
    "failure": ("#c62828", ""),
    "timeout": ("#ef6c00", ""),
    "complete": ("#616161", ""),
    "conditional": ("#1565c0", "6,4"),
    "contains": ("#9e9e9e", "2,3"),
}


def _layout(graph: dict) -> dict:
    layout_graph = nx.DiGraph()
    layout_graph.add_node(ROOT)
    for node in graph["nodes"]:
        layout_graph.add_node(node["name"])
    for edge in graph["edges"]:
        layout_graph.add_edge(edge["from"], edge["to"])
    for node in graph["nodes"]:
        if node["parent"]:
            layout_graph.add_edge(node["parent"], node["name"])
        elif node["name"] in graph["entry"] or not node["reachable"]:
            layout_graph.add_edge(ROOT, node["name"])
    # Tasks no path reaches (an entry-less cycle) still need a place in the picture.
    for name in set(layout_graph) - set(nx.descendants(layout_graph, ROOT)) - {ROOT}:
        layout_graph.add_edge(ROOT, name)
    return nx.bfs_layout(layout_graph, ROOT, align="horizontal")


def _to_pixels(positions: dict) -> tuple[dict, int, int]:
    layers = sorted({round(float(y), 6) for _x, y in positions.values()})
    xs = sorted({round(float(x), 6) for x, _y in positions.values()})
    widest = max(sum(1 for _x, y in positions.values() if round(float(y), 6) == layer) for layer in layers)
    width = max(MARGIN * 2 + widest * (NODE_WIDTH + GAP_X), LEGEND_WIDTH)
    height = MARGIN * 2 + (len(layers) - 1) * (NODE_HEIGHT + GAP_Y) + 60
    span = (xs[-1] - xs[0]) or 1.0
    pixels = {
        name: (
            MARGIN + (float(x) - xs[0]) / span * (width - 2 * MARGIN - NODE_WIDTH) + NODE_WIDTH / 2,
            MARGIN
            + layers.index(round(float(y), 6)) * (NODE_HEIGHT + GAP_Y)
            - (NODE_HEIGHT + GAP_Y)
            + NODE_HEIGHT / 2,
        )
        for name, (x, y) in positions.items()
        if name != ROOT
    }
    return pixels, width, height - (NODE_HEIGHT + GAP_Y)


def graph_svg(graph: dict, title: str = "") -> str:
    """An SVG document picturing `graph` (the shape describe_graph returns)."""
    if not graph["nodes"]:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="25">No tasks</text></svg>'
    pixels, width, height = _to_pixels(_layout(graph))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height + 52:.0f}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title or "task graph")}">',
        _markers(),
    ]
    edges = [
        *graph["edges"],
        *({"from": n["parent"], "to": n["name"], "kind": "contains"} for n in graph["nodes"] if n["parent"]),
    ]
    parts += [_edge(pixels[e["from"]], pixels[e["to"]], e["kind"]) for e in edges]
    parts += [_node(node, pixels[node["name"]], node["name"] in graph["entry"]) for node in graph["nodes"]]
    parts.append(_legend(height + 10))
    parts.append("</svg>")
    return "\n".join(parts)


def _markers() -> str:
    return (
        "<defs>"
        + "".join(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{colour}"/></marker>'
            for kind, (colour, _dash) in EDGE_STYLES.items()
        )
        + "</defs>"
    )


def _edge(start, end, kind: str) -> str:
    colour, dash = EDGE_STYLES.get(kind, EDGE_STYLES["complete"])
    (x1, y1), (x2, y2) = start, end
    bend = ""
    if y2 > y1:  # downwards: leave at the bottom, arrive at the top
        y1, y2 = y1 + NODE_HEIGHT / 2, y2 - NODE_HEIGHT / 2
    elif y2 == y1:  # same layer: side to side
        side = NODE_WIDTH / 2 if x2 > x1 else -NODE_WIDTH / 2
        x1, x2 = x1 + side, x2 - side
    else:  # back to an earlier layer (a cycle): leave and arrive at the right side
        x1, x2 = x1 + NODE_WIDTH / 2, x2 + NODE_WIDTH / 2
        bend = f"Q {max(x1, x2) + 60:.0f} {(y1 + y2) / 2:.0f} "
    dasharray = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<path class="edge edge-{kind}" d="M {x1:.0f} {y1:.0f} {bend}{"L " if not bend else ""}{x2:.0f} {y2:.0f}" '
        f'fill="none" stroke="{colour}" stroke-width="1.6"{dasharray} marker-end="url(#arrow-{kind})"/>'
    )


def _node(node: dict, centre, entry: bool) -> str:
    x, y = centre[0] - NODE_WIDTH / 2, centre[1] - NODE_HEIGHT / 2
    classes = ["task", *(["entry"] if entry else []), *(["unreachable"] if not node["reachable"] else [])]
    stroke = "#c62828" if not node["reachable"] else "#263238"
    dash = ' stroke-dasharray="5,3"' if not node["reachable"] else ""
    detail = node["action"] or node["type"]
    return (
        f'<g class="{" ".join(classes)}"><rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="8" '
        f'fill="{"#ffebee" if not node["reachable"] else "#ffffff"}" stroke="{stroke}" stroke-width="{3 if entry else 1.2}"{dash}/>'
        f'<text x="{centre[0]:.0f}" y="{centre[1] - 4:.0f}" text-anchor="middle" font-weight="bold">{escape(node["name"][:24])}</text>'
        f'<text x="{centre[0]:.0f}" y="{centre[1] + 13:.0f}" text-anchor="middle" fill="#546e7a">{escape(str(detail)[:28])}</text></g>'
    )


def _legend(y: float) -> str:
    items = [
        f'<text x="{MARGIN}" y="{y + 12:.0f}" fill="#263238">thick border: entry · red dashed: unreachable</text>'
    ]
    x = MARGIN
    for index, (kind, (colour, dash)) in enumerate(EDGE_STYLES.items()):
        lx = x + index * 95
        dasharray = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<line x1="{lx}" y1="{y + 28:.0f}" x2="{lx + 24}" y2="{y + 28:.0f}" stroke="{colour}" stroke-width="2"{dasharray}/>'
            f'<text x="{lx + 28}" y="{y + 32:.0f}">{kind}</text>'
        )
    return '<g class="legend">' + "".join(items) + "</g>"
