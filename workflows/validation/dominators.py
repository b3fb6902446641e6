"""Which tasks have certainly finished when another task starts, for every task at once.

A task X has finished before T starts when X lies on every path from the entry tasks to T:
X dominates T. Storing that set for each task is quadratic (in a 1,000-task chain, the sets
hold half a million names in all), so the checks keep the dominator tree instead and answer
"is X finished before T?" in constant time from depth-first entry and exit numbers: X is a
proper ancestor of T in the tree.

One forest holds every task list of a definition: a `parallel` task's sub-tasks hang under
what had finished before the parallel task started, so their answers include it.
"""

from collections.abc import Set


class DominatorForest:
    """Tasks, each under its immediate dominator (None for a root)."""

    def __init__(self):
        self.parent: dict[str, str | None] = {}
        self._enter: dict[str, int] = {}
        self._leave: dict[str, int] = {}

    def add(self, name: str, parent: str | None) -> None:
        self.parent[name] = parent

    def number(self) -> None:
        """Give every task its entry and exit number; call once every task is added."""
        children: dict[str | None, list[str]] = {}
        for name, parent in self.parent.items():
            children.setdefault(parent, []).append(name)
        counter = 0
        # Iterative: a 1,000-task chain is a 1,000-deep tree.
        stack: list[tuple[str, bool]] = [(name, False) for name in reversed(children.get(None, []))]
        while stack:
            name, done = stack.pop()
            if done:
                self._leave[name] = counter
                continue
            self._enter[name] = counter
            counter += 1
            stack.append((name, True))
            stack += [(child, False) for child in reversed(children.get(name, []))]

    def dominates(self, ancestor: str, name: str) -> bool:
        """Whether `ancestor` is a proper ancestor of `name` (finished before it starts)."""
        enter = self._enter
        if ancestor not in enter or name not in enter or ancestor == name:
            return False
        # A subtree is the tasks entered after its root and before the root is left.
        return enter[ancestor] < enter[name] < self._leave[ancestor]

    def before(self, name: str) -> "FinishedBefore":
        return FinishedBefore(self, name)

    def common(self, names) -> set[str]:
        """The tasks that are `names` themselves or dominate them, shared by all of `names`."""
        names = [name for name in names if name in self._enter]
        if not names:
            return set()
        first = min(names, key=self._enter.__getitem__)
        last = max(self._enter[name] for name in names)
        # The lowest common ancestor is the first task above `first` whose subtree reaches `last`.
        node = first
        while node is not None and not (self._enter[node] <= last < self._leave[node]):
            node = self.parent[node]
        found = set()
        while node is not None:
            found.add(node)
            node = self.parent[node]
        return found


class FinishedBefore(Set):
    """The tasks certainly finished when one task starts: a read-only view, O(1) membership."""

    def __init__(self, forest: DominatorForest, name: str):
        self.forest, self.name = forest, name

    def __contains__(self, other) -> bool:
        return isinstance(other, str) and self.forest.dominates(other, self.name)

    def __iter__(self):
        node = self.forest.parent.get(self.name)
        while node is not None:
            yield node
            node = self.forest.parent[node]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"FinishedBefore({self.name!r}: {sorted(self)})"


def immediate_dominators(root, successors: dict) -> dict:
    """Each node reachable from `root` mapped to its immediate dominator (`root` to itself).

    Lengauer and Tarjan's algorithm with path compression: O(edges x log(nodes)) on every
    graph. networkx's iterative algorithm, used before, walks the dominator tree once per
    join and is quadratic on a ladder (two chains with a rung at every step). Iterative
    throughout: a 1,000-task chain is a 1,000-deep search.
    """
    vertex, number, parent = _depth_first(root, successors)
    count = len(vertex)
    predecessors: list[list[int]] = [[] for _ in range(count)]
    for v in range(count):
        for target in successors.get(vertex[v], ()):
            predecessors[number[target]].append(v)
    semi, label, ancestor = list(range(count)), list(range(count)), [-1] * count
    idom, bucket = [0] * count, [[] for _ in range(count)]

    def evaluate(v: int) -> int:
        """The vertex of least semidominator on the forest path above `v` (compressing it)."""
        if ancestor[v] == -1:
            return v
        path, u = [], v
        while ancestor[ancestor[u]] != -1:
            path.append(u)
            u = ancestor[u]
        for u in reversed(path):  # from the top down, as the recursive compress unwinds
            above = ancestor[u]
            if semi[label[above]] < semi[label[u]]:
                label[u] = label[above]
            ancestor[u] = ancestor[above]
        return label[v]

    for w in range(count - 1, 0, -1):
        for v in predecessors[w]:
            semi[w] = min(semi[w], semi[evaluate(v)])
        bucket[semi[w]].append(w)
        ancestor[w] = parent[w]
        for v in bucket[parent[w]]:
            u = evaluate(v)
            idom[v] = u if semi[u] < semi[v] else parent[w]
        bucket[parent[w]].clear()
    for w in range(1, count):
        if idom[w] != semi[w]:
            idom[w] = idom[idom[w]]
    return {vertex[w]: vertex[idom[w]] for w in range(count)}


def _depth_first(root, successors: dict) -> tuple[list, dict, list[int]]:
    """Nodes in depth-first preorder from `root`, their numbers, and each one's DFS parent."""
    vertex, number, parent = [root], {root: 0}, [0]
    stack = [(0, iter(successors.get(root, ())))]  # (number, its successors still to visit)
    while stack:
        here, targets = stack[-1]
        for target in targets:
            if target not in number:
                number[target] = len(vertex)
                parent.append(here)
                vertex.append(target)
                stack.append((number[target], iter(successors.get(target, ()))))
                break
        else:
            stack.pop()
    return vertex, number, parent
