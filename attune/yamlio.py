"""Strict, safe YAML reading with locations.

PyYAML's SafeLoader, made stricter for automation content:
* a duplicate key is an error (PyYAML would silently keep the last one);
* mapping keys must be strings, and values must be JSON types (no dates, no binary);
* anchors and aliases may not expand past `max_nodes` nodes ("billion laughs");
* no NUL characters or lone surrogates (YAML's `"\\0"`, `"\\x00"`), and no nesting past
  `max_depth` (attune.storable), so nothing downstream fails on what PostgreSQL refuses;
* every value's position is kept, as a JSON pointer -> (line, column) of the value, so
  later checks can point at the line a problem is on.
Only SafeLoader's constructors are used: tags such as !!python/object are refused.
"""

from dataclasses import dataclass, field

import yaml
from django.conf import settings
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from attune.storable import DEFAULT_MAX_DEPTH, data_problem

DEFAULT_MAX_NODES = 100_000


class YamlError(Exception):
    """A YAML document that cannot be accepted; `line`/`column` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class YamlDocument:
    data: object
    root: object = None  # the node tree; positions are worked out from it only when asked
    _positions: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    _key_positions: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def positions(self) -> dict[str, tuple[int, int]]:
        if self._positions is None:
            self._positions, self._key_positions = (
                _positions(self.root) if self.root is not None else ({}, {})
            )
        return self._positions

    def position(self, pointer: str, key: bool = False) -> tuple[int | None, int | None]:
        """The (line, column) of the value at `pointer` (of its key, with `key`), or of its
        nearest located parent."""
        if self._positions is None and not key:
            found = self._top_level_position(pointer)
            if found is not None:
                return found
        positions = self.positions
        if key and pointer in self._key_positions:
            return self._key_positions[pointer]
        while True:
            if pointer in positions:
                return positions[pointer]
            if not pointer:
                return None, None
            pointer = pointer.rsplit("/", 1)[0]

    def _top_level_position(self, pointer: str) -> tuple[int, int] | None:
        """The position of a top-level key's value (`/ref`), without working out all of them:
        the loader asks it of every workflow file, whose tree may hold thousands of nodes."""
        if pointer.count("/") != 1 or not isinstance(self.root, MappingNode):
            return None
        name = pointer[1:]
        found = [
            value_node
            for key_node, value_node in self.root.value
            if isinstance(key_node, ScalarNode) and _escape(str(key_node.value)) == name
        ]
        return _mark(found[0]) if len(found) == 1 else None  # else as `positions` decides


def _mark(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# libyaml's parser when PyYAML was built with it (about 4x faster), else the Python one.
_SafeBase = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class _StrictLoader(_SafeBase):
    """SafeLoader without timestamp/binary magic, rejecting duplicate and non-string keys."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                line, column = _mark(key_node)
                shown = repr(key_node.value) if isinstance(key_node, ScalarNode) else "a list or mapping"
                raise YamlError(f"mapping keys must be strings, not {shown}", line, column)
            if key_node.value in seen:
                line, column = _mark(key_node)
                first = seen[key_node.value]
                raise YamlError(
                    f"duplicate key '{key_node.value}' (first defined on line {first})", line, column
                )
            seen[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


# Dates and binary would not survive the trip to JSON: keep dates as text, refuse binary.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)
_StrictLoader.yaml_constructors.pop("tag:yaml.org,2002:binary", None)
_StrictLoader.yaml_constructors.pop("tag:yaml.org,2002:timestamp", None)
_StrictLoader.yaml_constructors.pop("tag:yaml.org,2002:set", None)
_StrictLoader.yaml_constructors.pop("tag:yaml.org,2002:omap", None)
_StrictLoader.yaml_constructors.pop("tag:yaml.org,2002:pairs", None)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _expanded_size(root, max_nodes: int) -> int:
    """Nodes the document would have with every alias expanded, stopping past `max_nodes`."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        sizes[id(node)] = max_nodes + 1  # a node reached again while sizing it: a cycle
        if isinstance(node, SequenceNode):
            total = 1 + sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1
        sizes[id(node)] = min(total, max_nodes + 1)
        return sizes[id(node)]

    return size(root)


def _positions(root) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """Where each value starts, and where each mapping key starts, by JSON pointer."""
    positions: dict[str, tuple[int, int]] = {}
    key_positions: dict[str, tuple[int, int]] = {}
    stack = [("", root)]
    visited: set[tuple[str, int]] = set()
    while stack:
        pointer, node = stack.pop()
        if (pointer, id(node)) in visited:
            continue
        visited.add((pointer, id(node)))
        positions.setdefault(pointer, _mark(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    child = f"{pointer}/{_escape(str(key_node.value))}"
                    key_positions.setdefault(child, _mark(key_node))
                    stack.append((child, value_node))
        elif isinstance(node, SequenceNode):
            for index, child_node in enumerate(node.value):
                stack.append((f"{pointer}/{index}", child_node))
    return positions, key_positions


def _too_deep(data, max_depth: int) -> bool:
    """Whether `data` nests more than `max_depth` lists and mappings (walked without recursion)."""
    if not isinstance(data, dict | list):
        return False
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return True
        for child in value.values() if isinstance(value, dict) else value:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def load_yaml(text: str, max_nodes: int = DEFAULT_MAX_NODES, max_depth: int | None = None) -> YamlDocument:
    """Parse one YAML document strictly; raise YamlError with a location on any problem."""
    if max_depth is None:
        max_depth = getattr(settings, "ATTUNE_MAX_NESTING_DEPTH", DEFAULT_MAX_DEPTH)
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(None)
        # Only an alias (`*name`) can make a document larger than its text.
        if "*" in text and _expanded_size(root, max_nodes) > max_nodes:
            raise YamlError(
                f"the document expands to more than {max_nodes} nodes through anchors and aliases",
                *_mark(root),
            )
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlError(
            message or str(exc),
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from None
    except RecursionError:  # PyYAML's pure-Python composer recurses once per level
        raise YamlError(f"the document nests deeper than {max_depth} levels") from None
    finally:
        loader.dispose()
    # A NUL or a lone surrogate can only come from a double-quoted escape (the parser refuses
    # them as characters), so text without a backslash needs only the depth walk.
    problem = data_problem(data, max_depth) if "\\" in text or _too_deep(data, max_depth) else None
    if problem:
        pointer, _, what = problem.partition(": ")
        doc = YamlDocument(data, root)
        raise YamlError(f"{pointer}: {what}", *doc.position(pointer.rstrip("/")))
    return YamlDocument(data, root)
