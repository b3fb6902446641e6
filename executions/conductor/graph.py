"""Static facts from a definition: where each task lives, its predecessors, entry tasks, and
which tasks sit on a cycle (only those need ancestor tracking for the S32 trigger rule)."""

import json
from functools import lru_cache

import networkx as nx


class Graph:
    def __init__(self, definition: dict):
        self.tasks: dict[str, dict] = {}
        self.parent: dict[str, str | None] = {}
        self.children: dict[str | None, list[str]] = {}
        self.predecessors: dict[str, set[str]] = {}
        self._collect(definition.get("tasks") or [], None)
        self.entry: dict[str | None, list[str]] = {
            group: [name for name in names if not self.predecessors[name]]
            for group, names in self.children.items()
        }
        digraph = nx.DiGraph()
        digraph.add_nodes_from(self.tasks)
        for name, task in self.tasks.items():
            for target in targets(task):
                digraph.add_edge(name, target)
        self.cyclic: set[str] = set()
        for component in nx.strongly_connected_components(digraph):
            if len(component) > 1 or any(digraph.has_edge(n, n) for n in component):
                self.cyclic |= component

    def _collect(self, tasks: list, group: str | None) -> None:
        names = self.children.setdefault(group, [])
        for task in tasks:
            name = task["name"]
            self.tasks[name] = task
            self.parent[name] = group
            self.predecessors.setdefault(name, set())
            names.append(name)
        for task in tasks:
            for target in targets(task):
                self.predecessors.setdefault(target, set()).add(task["name"])
            if task.get("type") == "parallel":
                self._collect(task.get("tasks") or [], task["name"])


def targets(task: dict) -> list[str]:
    return [name for transition in task.get("next") or [] for name in transition.get("do") or []]


@lru_cache(maxsize=64)
def _cached(text: str) -> Graph:
    return Graph(json.loads(text))


def graph_of(definition: dict) -> Graph:
    """Graphs are rebuilt per advance otherwise; the definition is a snapshot, so cache by text."""
    return _cached(json.dumps(definition, sort_keys=True))
