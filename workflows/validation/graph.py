"""Graph checks on a normalised definition, and what templates may assume has finished.

Each task list (the top level, and each `parallel` task's `tasks`) is its own graph:
transitions name siblings. Task names are unique across the whole definition, so
`task.<name>` always means one task.
"""

import re
from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from workflows.validation.diagnostics import WARNING, Diagnostic, pointer
from workflows.validation.dominators import DominatorForest, FinishedBefore, immediate_dominators
from workflows.validation.language import RESERVED_TASK_NAMES, STATUS_FUNCTIONS
from workflows.validation.usage import usage_diagnostics

ACTION_REF = re.compile(r"^[^.\s]+(\.[^.\s]+)+$")
_STATUS_ONLY = re.compile(r"\b(" + "|".join(STATUS_FUNCTIONS) + r")\(\)|\b(and|or|not)\b|[()\s]")
# A condition that only asks whether the task failed or timed out, in any order.
_FAILURE_ONLY = re.compile(r"(failed\(\)|timed_out\(\))( or (failed\(\)|timed_out\(\)))*")
SIBLINGS_SHOWN = 20  # W101 names this many of the tasks at its level, not a thousand


@dataclass
class Edge:
    source: str
    target: str
    when: str | None
    path: str  # pointer to the `do` entry


@dataclass
class TaskGraph:
    """One task list: its tasks by name, edges (also by source), entries and what is reachable."""

    path: tuple
    tasks: dict[str, tuple[int, dict]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    outgoing: dict[str, list[Edge]] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)  # the tasks leading to each task
    entries: list[str] = field(default_factory=list)
    reachable: set[str] = field(default_factory=set)


@dataclass
class GraphFacts:
    """What templates may assume, per task: which tasks finished on every path before it."""

    finished_before: dict[str, FinishedBefore] = field(default_factory=dict)
    finished_at_end: set[str] = field(default_factory=set)
    graphs: list[TaskGraph] = field(default_factory=list)


def graph_diagnostics(definition: dict, workflow_exists=None) -> tuple[list[Diagnostic], GraphFacts]:
    diagnostics: list[Diagnostic] = []
    facts = GraphFacts()
    seen: dict[str, str] = {}
    forest = DominatorForest()
    tasks = definition.get("tasks") if isinstance(definition, dict) else None
    if isinstance(tasks, list):
        terminals = _walk(tasks, ("tasks",), None, seen, diagnostics, facts, workflow_exists, forest)
        forest.number()
        facts.finished_before = {name: forest.before(name) for name in forest.parent}
        # At the end, what dominates every task the workflow can end on has finished.
        facts.finished_at_end = forest.common(terminals) if terminals else set()
    return diagnostics, facts


def _walk(tasks, path, anchor, seen, diagnostics, facts, workflow_exists, forest) -> list[str]:
    """Check one task list and hang its tasks in `forest` under `anchor` (what finished
    before the list started); returns the reachable tasks without outbound transitions."""
    graph = _build(tasks, path, seen, diagnostics)
    facts.graphs.append(graph)
    for index, task in graph.tasks.values():
        diagnostics += _task_diagnostics(task, (*path, index), graph, workflow_exists)
    diagnostics += _entry_diagnostics(graph) + _cycle_diagnostics(graph)
    immediate = _immediate_dominators(graph)
    for name in graph.tasks:
        forest.add(name, immediate.get(name, anchor))
    for name, (index, task) in graph.tasks.items():
        if task.get("type") == "parallel" and isinstance(task.get("tasks"), list):
            # Its sub-tasks start once what preceded the parallel task has finished.
            _walk(task["tasks"], (*path, index, "tasks"), forest.parent[name], seen, diagnostics, facts,
                  workflow_exists, forest)  # fmt: skip
    return [name for name in graph.reachable if not graph.outgoing.get(name)]


def _build(tasks, path, seen, diagnostics) -> TaskGraph:
    graph = TaskGraph(path)
    for index, task in enumerate(tasks):
        if not isinstance(task, dict) or not isinstance(task.get("name"), str):
            continue
        name, here = task["name"], pointer(*path, index, "name")
        if name in seen:
            diagnostics.append(
                Diagnostic(
                    "W102-duplicate-task",
                    f"Task name '{name}' is used twice (first at {seen[name]}); names must be unique.",
                    here,
                )
            )
            continue
        seen[name] = here
        if name in RESERVED_TASK_NAMES:
            diagnostics.append(
                Diagnostic(
                    "W103-reserved-name",
                    f"'{name}' is a reserved word (a template namespace); rename the task.",
                    here,
                )
            )
        graph.tasks[name] = (index, task)
    siblings = None
    for name, (index, task) in graph.tasks.items():
        for t_index, transition in enumerate(task.get("next") or []):
            if not isinstance(transition, dict):
                continue
            for d_index, target in enumerate(transition.get("do") or []):
                where = pointer(*path, index, "next", t_index, "do", d_index)
                if target not in graph.tasks:
                    siblings = siblings or _siblings(graph)
                    diagnostics.append(
                        Diagnostic(
                            "W101-unknown-task",
                            f"Transition to '{target}', which is not a task here (tasks at this level: {siblings}).",
                            where,
                        )
                    )
                else:
                    edge = Edge(name, target, transition.get("when"), where)
                    graph.edges.append(edge)
                    graph.outgoing.setdefault(name, []).append(edge)
                    graph.sources.setdefault(target, set()).add(name)
    return graph


def _siblings(graph: TaskGraph) -> str:
    names = sorted(graph.tasks)
    shown = ", ".join(names[:SIBLINGS_SHOWN]) or "none"
    return shown if len(names) <= SIBLINGS_SHOWN else f"{shown} and {len(names) - SIBLINGS_SHOWN} more"


def _task_diagnostics(task: dict, path: tuple, graph: TaskGraph, workflow_exists) -> list[Diagnostic]:
    found = usage_diagnostics(task, path)
    kind = task.get("type", "action")
    if kind in ("action", "workflow") and "action" not in task:
        found.append(
            Diagnostic(
                "W111-action-required",
                f"A task of type '{kind}' needs 'action' (the ref it runs).",
                pointer(*path),
            )
        )
    if isinstance(task.get("action"), str) and not ACTION_REF.match(task["action"]):
        found.append(
            Diagnostic(
                "W112-invalid-action-ref",
                f"'{task['action']}' is not an action ref: write <pack>.<name>.",
                pointer(*path, "action"),
            )
        )
    if (
        kind == "workflow"
        and workflow_exists
        and isinstance(task.get("action"), str)
        and not workflow_exists(task["action"])
    ):
        found.append(
            Diagnostic(
                "W401-unknown-workflow",
                f"No workflow '{task['action']}' exists (yet): load it before running this one.",
                pointer(*path, "action"),
                WARNING,
            )
        )
    if kind == "parallel" and not task.get("tasks"):
        found.append(
            Diagnostic(
                "W110-parallel-without-tasks",
                "A parallel task needs a non-empty 'tasks' list.",
                pointer(*path),
            )
        )
    if "with_items" in task and (kind == "parallel" or "action" not in task):
        found.append(
            Diagnostic(
                "W109-with-items-without-action",
                "'with_items' runs the task's action once per item: it needs an 'action' (not for parallel tasks).",
                pointer(*path, "with_items"),
            )
        )
    # A join counts tasks, not transitions: two transitions from one task are one arrival.
    inbound = len(graph.sources.get(task.get("name"), ()))
    if isinstance(task.get("join"), int) and task["join"] > inbound:
        found.append(
            Diagnostic(
                "W108-join-too-large",
                f"join: {task['join']} waits for more tasks than lead here ({inbound}); it would wait forever.",
                pointer(*path, "join"),
            )
        )
    return found


def _entry_diagnostics(graph: TaskGraph) -> list[Diagnostic]:
    targets = {edge.target for edge in graph.edges}
    graph.entries = [name for name in graph.tasks if name not in targets]
    if graph.tasks and not graph.entries:
        return [
            Diagnostic(
                "W104-no-entry-task",
                "Every task has an inbound transition, so none can start: one task must be the entry.",
                pointer(*graph.path),
            )
        ]
    graph.reachable = _reach(graph, graph.entries)
    return [
        Diagnostic(
            "W105-unreachable-task",
            f"Task '{name}' can never run: no path leads to it from an entry task ({', '.join(graph.entries)}).",
            pointer(*graph.path, index, "name"),
        )
        for name, (index, _task) in graph.tasks.items()
        if name not in graph.reachable
    ]


def _reach(graph: TaskGraph, starts) -> set[str]:
    reached, stack = set(), list(starts)
    while stack:
        name = stack.pop()
        if name not in reached:
            reached.add(name)
            stack += [edge.target for edge in graph.outgoing.get(name, ())]
    return reached


def _is_status_only(when: str) -> bool:
    return not _STATUS_ONLY.sub("", when.replace("{{", "").replace("}}", ""))


def _cycles(graph: TaskGraph, edges: list[Edge]) -> list[list[Edge]]:
    """The edges inside each strongly connected part of the graph made of `edges`."""
    if _acyclic(edges):
        return []  # the common case, without building a networkx graph
    digraph = nx.DiGraph()
    digraph.add_nodes_from(graph.tasks)
    digraph.add_edges_from((e.source, e.target) for e in edges)
    component_of = {}
    for number, component in enumerate(nx.strongly_connected_components(digraph)):
        component_of.update(dict.fromkeys(component, number))
    inside: dict[int, list[Edge]] = {}
    for edge in edges:
        if component_of[edge.source] == component_of[edge.target]:
            inside.setdefault(component_of[edge.source], []).append(edge)
    return list(inside.values())


def _acyclic(edges: list[Edge]) -> bool:
    """Whether `edges` form no cycle (Kahn's algorithm: linear, and a self-loop is a cycle);
    then no strongly connected part holds an edge."""
    indegree: dict[str, int] = {}
    outgoing: dict[str, list[str]] = {}
    for edge in edges:
        indegree[edge.target] = indegree.get(edge.target, 0) + 1
        indegree.setdefault(edge.source, 0)
        outgoing.setdefault(edge.source, []).append(edge.target)
    ready = [node for node, count in indegree.items() if count == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for target in outgoing.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return removed == len(indegree)


def _cycle_diagnostics(graph: TaskGraph) -> list[Diagnostic]:
    """A loop made only of unconditional transitions never ends (error); one whose
    conditions only test task status may not end (warning). Each loop is looked for among
    just those transitions, so a guarded exit elsewhere does not hide it."""
    found, endless = [], set()
    for inside in _cycles(graph, [e for e in graph.edges if not e.when]):
        endless.update(e.source for e in inside)
        cycle = " -> ".join([*_cycle_path(inside), _cycle_path(inside)[0]])
        found.append(
            Diagnostic(
                "W106-endless-cycle",
                f"The cycle {cycle} has no 'when' on any transition, so it never ends: add a condition that stops it.",
                inside[0].path,
            )
        )
    weak = [e for e in graph.edges if not e.when or _is_status_only(e.when)]
    for inside in _cycles(graph, weak):
        if {e.source for e in inside} <= endless:
            continue
        cycle = " -> ".join([*_cycle_path(inside), _cycle_path(inside)[0]])
        found.append(
            Diagnostic(
                "W107-status-guarded-cycle",
                f"The cycle {cycle} is guarded only by task status; make sure it ends (e.g. count attempts in a var).",
                inside[0].path,
                WARNING,
            )
        )
    return found


def _cycle_path(edges: list[Edge]) -> list[str]:
    """One cycle through the first edge's source, found breadth-first inside the component."""
    start = edges[0].source
    outgoing: dict[str, list[Edge]] = {}
    for edge in edges:
        outgoing.setdefault(edge.source, []).append(edge)
    parents, queue = {start: None}, deque([start])
    while queue:
        node = queue.popleft()
        for edge in outgoing.get(node, ()):
            if edge.target == start:
                path = [node]
                while parents[path[-1]] is not None:
                    path.append(parents[path[-1]])
                return list(reversed(path))
            if edge.target not in parents:
                parents[edge.target] = node
                queue.append(edge.target)
    return [start]


def _immediate_dominators(graph: TaskGraph) -> dict[str, str]:
    """Each reachable task's immediate dominator, for those that have one besides the start."""
    if not graph.entries:
        return {}
    root = ("entry",)  # a virtual start before the entry tasks
    successors = {name: [edge.target for edge in edges] for name, edges in graph.outgoing.items()}
    successors[root] = graph.entries
    immediate = immediate_dominators(root, successors)
    return {name: parent for name, parent in immediate.items() if parent != root and name != root}


def edge_kind(when: str | None) -> str:
    """How a transition is drawn: by the status it waits for, or as a condition."""
    if not when:
        return "complete"
    condition = " ".join(when.replace("{{", "").replace("}}", "").split())
    if _FAILURE_ONLY.fullmatch(condition) and "failed()" in condition:
        return "failure"  # e.g. `failed() or timed_out()`: the run went wrong either way
    return {"succeeded()": "success", "failed()": "failure", "timed_out()": "timeout"}.get(
        condition, "conditional"
    )


def describe_graph(definition: dict) -> dict:
    """Nodes, edges and entry tasks of a normalised definition, for the API and pictures."""
    _diagnostics, facts = graph_diagnostics(definition)
    nodes, edges, entry = [], [], []
    for graph in facts.graphs:
        parent = graph.path[-2] if len(graph.path) > 1 else None
        parent_name = _task_at(definition, graph.path[:-1]) if parent is not None else None
        for name, (_index, task) in graph.tasks.items():
            nodes.append({
                "name": name, "action": task.get("action"), "type": task.get("type", "action"),
                "parent": parent_name, "reachable": name in graph.reachable,
            })  # fmt: skip
        edges += [
            {"from": e.source, "to": e.target, "kind": edge_kind(e.when), "when": e.when} for e in graph.edges
        ]
        if parent_name is None:
            entry += graph.entries
    return {"nodes": nodes, "edges": edges, "entry": entry}


def _task_at(definition: dict, path: tuple):
    node = definition
    for part in path:
        node = node[part]
    return node.get("name")
