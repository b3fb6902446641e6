"""The task graph as an SVG picture.

Tasks are laid out in layers, breadth-first from the entry tasks (a parallel task's sub-tasks
one layer below it), each layer a centred row in discovery order: linear time, so a 1,000-task
workflow draws as fast as a small one. Entry tasks have a thick border, unreachable tasks are
red and dashed, and each edge kind has its own colour, named in the legend.

Given the task states of one execution (`states`), each task is filled by its state: a
`state-<status>` class on the node, the colours in the picture's <style>, a second legend
row, and the attempts and items counts on the node when there is more than one.
"""

from collections import deque
from html import escape

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

# Fill per task status (executions/task_state.py's TASK_STATES); the legend names each colour once.
STATE_FILLS = {
    "succeeded": "#c8e6c9",
    "failed": "#ffcdd2",
    "timed_out": "#ffe0b2",
    "skipped": "#cfd8dc",
    "running": "#bbdefb",
    "waiting_join": "#fff9c4",
    "waiting_inquiry": "#fff9c4",
    "not_run": "#f5f5f5",
    "pending": "#ffffff",
    "cancelled": "#d7ccc8",
}
STATE_LEGEND = {
    "succeeded": "succeeded", "failed": "failed", "timed_out": "timed out", "skipped": "skipped",
    "running": "running", "waiting_join": "waiting", "not_run": "not run", "pending": "pending",
    "cancelled": "cancelled",
}  # fmt: skip
STATE_LEGEND_HEIGHT = 48


def _layers(graph: dict) -> list[list[str]]:
    """Rows of task names: breadth-first layers from the entry tasks."""
    following: dict[str, list[str]] = {node["name"]: [] for node in graph["nodes"]}
    for edge in graph["edges"]:
        following[edge["from"]].append(edge["to"])
    starts = []
    for node in graph["nodes"]:
        if node["parent"]:
            following[node["parent"]].append(node["name"])
        elif node["name"] in graph["entry"] or not node["reachable"]:
            starts.append(node["name"])
    layer = dict.fromkeys(starts, 0)
    queue = deque(starts)
    layers: list[list[str]] = [list(starts)] if starts else []
    while True:
        while queue:
            name = queue.popleft()
            for target in following[name]:
                if target not in layer:
                    layer[target] = layer[name] + 1
                    if layer[target] == len(layers):
                        layers.append([])
                    layers[layer[target]].append(target)
                    queue.append(target)
        # Tasks no path reaches (an entry-less cycle) still need a place: the first row.
        missing = next((node["name"] for node in graph["nodes"] if node["name"] not in layer), None)
        if missing is None:
            return layers
        layer[missing] = 0
        if not layers:
            layers.append([])
        layers[0].append(missing)
        queue.append(missing)


def _to_pixels(layers: list[list[str]]) -> tuple[dict, int, int]:
    step_x, step_y = NODE_WIDTH + GAP_X, NODE_HEIGHT + GAP_Y
    widest = max(len(row) for row in layers)
    width = max(MARGIN * 2 + widest * step_x, LEGEND_WIDTH)
    pixels = {}
    for number, row in enumerate(layers):
        left = (width - len(row) * step_x + GAP_X) / 2  # each row centred
        for position, name in enumerate(row):
            pixels[name] = (
                left + position * step_x + NODE_WIDTH / 2,
                MARGIN + number * step_y + NODE_HEIGHT / 2,
            )
    return pixels, width, MARGIN * 2 + (len(layers) - 1) * step_y + 60


def graph_svg(graph: dict, title: str = "", states: dict | None = None) -> str:
    """An SVG document picturing `graph` (the shape describe_graph returns).

    `states` maps task names to their state (the entries task_view returns); a task it does
    not name is pending.
    """
    if not graph["nodes"]:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="25">No tasks</text></svg>'
    pixels, width, height = _to_pixels(_layers(graph))
    extra = STATE_LEGEND_HEIGHT if states is not None else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height + 52 + extra:.0f}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-label="{escape(title or "task graph")}">',
        _markers(),
    ]
    if states is not None:
        parts.append(_state_style())
    edges = [
        *graph["edges"],
        *({"from": n["parent"], "to": n["name"], "kind": "contains"} for n in graph["nodes"] if n["parent"]),
    ]
    parts += [_edge(pixels[e["from"]], pixels[e["to"]], e["kind"]) for e in edges]
    parts += [
        _node(node, pixels[node["name"]], node["name"] in graph["entry"], _state_of(states, node["name"]))
        for node in graph["nodes"]
    ]
    parts.append(_legend(height + 10))
    if states is not None:
        parts.append(_state_legend(height + 62))
    parts.append("</svg>")
    return "\n".join(parts)


def _state_of(states: dict | None, name: str) -> dict | None:
    return None if states is None else states.get(name, {})


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


def _node(node: dict, centre, entry: bool, state: dict | None = None) -> str:
    """One task; with its `state` (from an execution) also its status and progress."""
    x, y = centre[0] - NODE_WIDTH / 2, centre[1] - NODE_HEIGHT / 2
    classes = ["task", *(["entry"] if entry else []), *(["unreachable"] if not node["reachable"] else [])]
    stroke = "#c62828" if not node["reachable"] else "#263238"
    dash = ' stroke-dasharray="5,3"' if not node["reachable"] else ""
    detail = node["action"] or node["type"]
    progress, tooltip, shift = "", "", 0
    if state is not None:
        status = state.get("status") or "pending"
        classes.append(f"state-{status}")
        counts = _counts(state)
        tooltip = f"<title>{escape(node['name'])}: {escape(status)}{escape(' · ' + counts) if counts else ''}</title>"
        if counts:
            shift = 5  # three lines instead of two
            progress = (
                f'<text class="progress" x="{centre[0]:.0f}" y="{centre[1] + 18:.0f}" text-anchor="middle" '
                f'font-size="10" fill="#37474f">{escape(counts)}</text>'
            )
    return (
        f'<g class="{escape(" ".join(classes))}">{tooltip}<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="8" '
        f'fill="{"#ffebee" if not node["reachable"] else "#ffffff"}" stroke="{stroke}" stroke-width="{3 if entry else 1.2}"{dash}/>'
        f'<text x="{centre[0]:.0f}" y="{centre[1] - 4 - shift:.0f}" text-anchor="middle" font-weight="bold">{escape(node["name"][:24])}</text>'
        f'<text x="{centre[0]:.0f}" y="{centre[1] + 13 - 2 * shift:.0f}" text-anchor="middle" fill="#546e7a">{escape(str(detail)[:28])}</text>'
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


def _state_style() -> str:
    # CSS outranks the rect's fill attribute, so the state colour wins over the plain white.
    rules = "".join(f".state-{status} rect{{fill:{fill}}}" for status, fill in STATE_FILLS.items())
    return f"<style>{rules}</style>"


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


def _state_legend(y: float) -> str:
    """Two rows of swatches, one per state colour."""
    items = []
    for index, (status, label) in enumerate(STATE_LEGEND.items()):
        row, column = divmod(index, 5)
        lx, ly = MARGIN + column * 95, y + row * 22
        items.append(
            f'<g class="state-{status}"><rect x="{lx}" y="{ly:.0f}" width="24" height="14" rx="3" stroke="#263238" '
            f'stroke-width="0.8" fill="#ffffff"/><text x="{lx + 28}" y="{ly + 11:.0f}">{label}</text></g>'
        )
    return '<g class="legend states">' + "".join(items) + "</g>"
