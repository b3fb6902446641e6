"""Where Graphviz `dot` puts each task, cluster, edge and edge label of a task graph.

dot does the layered (Sugiyama) layout and routes every edge as a spline around the task
boxes; this module only builds its input, reads its output (`json0`) and flips it into SVG
coordinates (Graphviz's y axis points up). A `parallel` task is a box at the top of its
cluster, its sub-tasks below it (held there by invisible edges, which are not drawn: they
are not transitions); the parallel task's own transitions leave from the cluster's border,
since they fire once all its sub-tasks have finished.

Layouts are cached by the graph's structure (not its states or theme), so polling a running
execution's picture every two seconds runs dot once.
"""

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field

import pygraphviz

NODE_WIDTH, NODE_HEIGHT = 170, 46  # pixels; dot works in inches at 72 points each
POINTS_PER_INCH = 72
# Above this many tasks dot gets cheaper settings and no edge labels, to stay under a second.
LARGE_GRAPH = 150
CLUSTER_LABEL_CHARACTERS = 22  # the cluster label: "parallel <name>"
LABEL_CHARACTERS = 28  # conditions longer than this end in an ellipsis on the picture
CACHE_SIZE = 64
LAYOUT_RUNS = {"dot": 0}  # how many times dot ran in this process (the cache test reads it)
_cache: OrderedDict[str, "Layout"] = OrderedDict()


@dataclass
class EdgeRoute:
    points: list[tuple[float, float]]  # a cubic B-spline: start, then three points per segment
    arrow_tip: tuple[float, float] | None  # the head's arrow ends here ("e" in dot's pos)
    label_at: tuple[float, float] | None


@dataclass
class Layout:
    width: float
    height: float
    centres: dict[str, tuple[float, float]] = field(default_factory=dict)  # task name -> centre
    clusters: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # x0 y0 x1 y1
    cluster_labels: dict[str, tuple[float, float]] = field(default_factory=dict)  # label centres
    edges: list[EdgeRoute] = field(default_factory=list)  # in the order of graph["edges"]
    labelled: bool = True  # whether edges carry condition labels (not on large graphs)


def short(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def condition_label(edge: dict) -> str:
    """The text an edge shows: its condition, for the edges whose colour does not say it."""
    if edge["kind"] != "conditional" or not edge.get("when"):
        return ""
    return short(" ".join(edge["when"].replace("{{", "").replace("}}", "").split()), LABEL_CHARACTERS)


def place(graph: dict) -> Layout:
    """The layout of `graph` (describe_graph's shape), from the cache when its structure was seen."""
    structure, labelled = _structure(graph)
    key = hashlib.sha256(json.dumps(structure).encode()).hexdigest()
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    result = _run_dot(graph, structure, labelled)
    _cache[key] = result
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def dot_graph(graph: dict) -> pygraphviz.AGraph:
    """The graph place() hands dot for `graph`, not laid out (bench/graph.py times dot alone)."""
    structure, labelled = _structure(graph)
    return _agraph(graph, structure, labelled)[0]


def _structure(graph: dict) -> tuple[dict, bool]:
    """What the layout depends on (the cache key): tasks, groups, edges and their labels."""
    labelled = len(graph["nodes"]) <= LARGE_GRAPH
    structure = {
        "nodes": [(n["name"], n["type"], n["parent"]) for n in graph["nodes"]],
        "edges": [(e["from"], e["to"], condition_label(e) if labelled else "") for e in graph["edges"]],
    }
    return structure, labelled


def _run_dot(graph: dict, structure: dict, labelled: bool) -> Layout:
    LAYOUT_RUNS["dot"] += 1
    agraph, ids = _agraph(graph, structure, labelled)
    output = json.loads(agraph.draw(format="json0", prog="dot"))
    return _read(output, ids, len(graph["edges"]), labelled)


def _agraph(graph: dict, structure: dict, labelled: bool):
    agraph = pygraphviz.AGraph(directed=True, strict=False, name="tasks")
    agraph.graph_attr.update(
        rankdir="TB", splines="spline", compound="true", nodesep="0.35", ranksep="0.55", pad="0", margin="0"
    )
    if not labelled:
        # Fewer network-simplex and crossing-minimisation rounds, and straight edges: a
        # 1,000-task workflow with long edges (to a shared failure handler) lays out in well
        # under a second, where the full settings take seconds. Splines are not routed after
        # the cheaper placement: on such graphs that can take minutes (see bench/graph.py).
        agraph.graph_attr.update(
            splines="line",
            nslimit="0.1",
            nslimit1="0.1",
            mclimit="0.001",
            searchsize="10",
            remincross="false",
        )
    agraph.node_attr.update(
        shape="box",
        fixedsize="true",
        label="",
        width=str(NODE_WIDTH / POINTS_PER_INCH),
        height=str(NODE_HEIGHT / POINTS_PER_INCH),
    )
    agraph.edge_attr.update(fontsize="10", fontname="Helvetica", arrowsize="0.8")
    ids = {node["name"]: f"n{index}" for index, node in enumerate(graph["nodes"])}
    children: dict[str | None, list[dict]] = {}
    for node in graph["nodes"]:
        children.setdefault(node["parent"], []).append(node)
    clusters = {name: f"cluster_{index}" for index, name in enumerate(n for n in children if n is not None)}
    exits = _cluster_exits(graph, children)

    def add(level, parent: str | None) -> None:
        for node in children.get(parent, []):
            if node["name"] in clusters:
                # A real label, so that dot keeps room for it above the cluster's tasks.
                label = "parallel " + short(node["name"], CLUSTER_LABEL_CHARACTERS).replace("\\", "/")
                sub = level.add_subgraph(
                    name=clusters[node["name"]],
                    label=label,
                    labeljust="l",
                    fontsize="11",
                    fontname="Helvetica",
                    margin="12",
                )
                sub.add_node(ids[node["name"]])
                add(sub, node["name"])
            else:
                level.add_node(ids[node["name"]])

    add(agraph, None)
    for parent, nodes in children.items():
        if parent is None:
            continue
        targets = {e["to"] for e in graph["edges"] if e["from"] in {n["name"] for n in nodes}}
        for node in nodes:  # the group's entry tasks sit below the parallel task's box
            if node["name"] not in targets:
                agraph.add_edge(ids[parent], ids[node["name"]], key=f"c{node['name']}", style="invis")
    for index, (source, target, label) in enumerate(structure["edges"]):
        attributes = {"id": f"e{index}"}
        if label:
            attributes["label"] = label.replace("\\", "/")  # backslashes are escapes to dot
        if source in clusters and source != target and not _inside(graph, target, source):
            # Drawn from the cluster's border, and ranked below all of the cluster's tasks.
            attributes["ltail"] = clusters[source]
            source_id = ids[exits[source][-1]]
            for leaf in exits[source][:-1]:
                agraph.add_edge(ids[leaf], ids[target], key=f"x{index}-{leaf}", style="invis")
        else:
            source_id = ids[source]
        agraph.add_edge(source_id, ids[target], key=f"e{index}", **attributes)
    return agraph, {"tasks": ids, "clusters": clusters}


def _cluster_exits(graph: dict, children: dict) -> dict[str, list[str]]:
    """Per parallel task, the sub-tasks it finishes after: those with no transition, nested
    groups' own ones in their place (the parallel task itself when it has no sub-task)."""
    sources = {e["from"] for e in graph["edges"]}
    exits: dict[str, list[str]] = {}

    def exits_of(name: str) -> list[str]:
        if name not in exits:
            nodes = [n["name"] for n in children.get(name, [])]
            ends = [n for n in nodes if n not in sources] or nodes[-1:]
            exits[name] = [
                leaf for end in ends for leaf in (exits_of(end) if end in children else [end])
            ] or [name]
        return exits[name]

    for name in children:
        if name is not None:
            exits_of(name)
    return exits


def _inside(graph: dict, name: str, ancestor: str) -> bool:
    parents = {n["name"]: n["parent"] for n in graph["nodes"]}
    while name is not None:
        name = parents.get(name)
        if name == ancestor:
            return True
    return False


def _read(output: dict, ids: dict, edge_count: int, labelled: bool) -> Layout:
    _x0, _y0, x1, top = (float(v) for v in output["bb"].split(","))
    names = {node_id: name for name, node_id in ids["tasks"].items()}
    cluster_names = {cluster_id: name for name, cluster_id in ids["clusters"].items()}

    def point(text: str) -> tuple[float, float]:
        x, y = text.split(",")[:2]
        return float(x), top - float(y)

    result = Layout(width=x1, height=top, labelled=labelled)
    result.edges = [EdgeRoute([], None, None) for _ in range(edge_count)]
    for obj in output.get("objects", []):
        if obj.get("name") in cluster_names:
            left, bottom, right, upper = (float(v) for v in obj["bb"].split(","))
            result.clusters[cluster_names[obj["name"]]] = (left, top - upper, right, top - bottom)
            if "lp" in obj:
                result.cluster_labels[cluster_names[obj["name"]]] = point(obj["lp"])
        elif obj.get("name") in names and "pos" in obj:
            result.centres[names[obj["name"]]] = point(obj["pos"])
    for edge in output.get("edges", []):
        edge_id = edge.get("id", "")
        if not edge_id.startswith("e") or "pos" not in edge:
            continue
        spline = edge["pos"].split(";")[0].split()
        route = result.edges[int(edge_id[1:])]
        for token in spline:
            if token.startswith("e,"):
                route.arrow_tip = point(token[2:])
            elif not token.startswith("s,"):
                route.points.append(point(token))
        if "lp" in edge:
            route.label_at = point(edge["lp"])
    return result
