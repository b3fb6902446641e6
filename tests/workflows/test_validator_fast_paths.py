"""The validator's fast paths answer exactly what the reference paths answer, and the graph
analysis does work linear in tasks + edges.

The fast paths: a compiled JSON Schema yes/no pass (jsonschema_rs) before jsonschema's
located errors, a normaliser that copies only the task containers, a prefilter before the
W504 string walk, and Lengauer-Tarjan dominators. The reference: jsonschema always, a deep
copy before normalising, and networkx's dominators, as the validator did before.
"""

import copy
import sys
from pathlib import Path

import networkx as nx
import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from packs.ondisk.loader import PackInvalid, read_pack
from tests.workflows.test_validator_properties import DEFINITIONS, JSON, PARAM_SCHEMAS, PROPERTIES
from workflows.validation import check_definition, graph, structure
from workflows.validation.dominators import immediate_dominators
from workflows.validation.graph import graph_diagnostics
from workflows.validation.normalize import normalize

PACK_DIRS = sorted(
    path
    for parent in (
        Path(settings.BASE_DIR) / "examples" / "packs",
        Path(__file__).parent.parent / "fixtures" / "packs",
    )
    for path in parent.iterdir()
    if (path / "pack.yaml").is_file()
)


def networkx_dominators(root, successors):
    digraph = nx.DiGraph()
    digraph.add_node(root)
    digraph.add_edges_from((source, target) for source, targets in successors.items() for target in targets)
    return {**nx.immediate_dominators(digraph, root), root: root}


def deep_copying_normalize(definition):
    return normalize(copy.deepcopy(definition))


def reference(monkeypatch):
    """Switch every fast path off (for the rest of the test, or until undone)."""
    monkeypatch.setattr(structure, "_is_valid", lambda definition: False)
    monkeypatch.setattr(graph, "immediate_dominators", networkx_dominators)
    monkeypatch.setattr("workflows.validation.normalize", deep_copying_normalize)
    monkeypatch.setattr("workflows.validation._long_string", lambda limit: _MATCH_ALWAYS)


class _MatchAlways:
    def search(self, text):
        return True


_MATCH_ALWAYS = _MatchAlways()


def both_ways(work):
    """`work()` with the fast paths, then with the reference paths."""
    fast = work()
    with pytest.MonkeyPatch.context() as monkeypatch:
        reference(monkeypatch)
        slow = work()
    return fast, slow


def as_compared(report):
    return report.definition, [(d.code, d.path, d.message, d.severity, d.line) for d in report.diagnostics]


@PROPERTIES
@given(st.one_of(DEFINITIONS, JSON), PARAM_SCHEMAS)
def test_fast_and_reference_validators_give_the_same_report(definition, param_schema):
    fast, slow = both_ways(lambda: check_definition(copy.deepcopy(definition), param_schema=param_schema))
    assert as_compared(fast) == as_compared(slow)


@PROPERTIES
@given(st.one_of(DEFINITIONS, JSON))
def test_the_compiled_schema_says_valid_only_when_jsonschema_finds_no_error(definition):
    if structure._is_valid(definition):
        assert list(structure._VALIDATOR.iter_errors(definition)) == []


def test_the_compiled_schema_leaves_an_invalid_definition_to_jsonschema():
    definition = {"version": "1.0", "tasks": [{"name": "a", "action": "core.echo", "retry": {"count": 0}}]}
    assert structure._is_valid(definition) is False
    assert [d.code for d in check_definition(definition).errors] == ["W006-invalid-value"]


def test_normalising_leaves_the_original_definition_as_it_was():
    definition = {
        "tasks": [{"name": "a", "action": "core.echo", "on_success": "b"}, {"name": "b", "action": "x.y"}]
    }
    before = copy.deepcopy(definition)
    normalized, _ = normalize(definition)
    assert normalized["tasks"][0]["next"] == [{"do": ["b"], "when": "{{ succeeded() }}"}]
    assert definition == before


@pytest.mark.parametrize("limit", [12, 40])
def test_a_string_over_the_template_limit_is_found_past_the_prefilter(settings, limit):
    settings.ATTUNE_TEMPLATE_MAX_LENGTH = limit
    long = "é" * (limit + 1)  # one unit more than the limit even in its shortest JSON form
    definition = {"tasks": [{"name": "a", "action": "core.echo", "input": {"m": long}}]}
    assert [d.path for d in check_definition(definition).errors] == ["/tasks/0/input/m"]
    definition["tasks"][0]["input"]["m"] = long[:-1]
    assert check_definition(definition).errors == []


@pytest.mark.parametrize("pack_dir", PACK_DIRS, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_example_and_fixture_packs_read_the_same_both_ways(pack_dir):
    def read():
        try:
            spec = read_pack(pack_dir)
        except PackInvalid as exc:
            return [str(problem) for problem in exc.problems]
        return [(w.ref, w.fields) for w in spec.workflows], spec.notes

    fast, slow = both_ways(read)
    assert fast == slow


# --- linear work ---------------------------------------------------------------------------


def chain(n: int) -> dict:
    tasks = [{"name": f"t{i}", "action": "core.echo", "next": [{"do": [f"t{i + 1}"]}]} for i in range(n - 1)]
    return {"tasks": [*tasks, {"name": f"t{n - 1}", "action": "core.echo"}]}


def ladder(n: int) -> dict:
    """Two chains of n/2 tasks with a rung from each `a` to its `b`: every `b` is a join whose
    dominator is the entry, the case that made networkx's dominators walk back to the start."""
    half = n // 2
    rungs = [
        {
            "name": f"a{i}",
            "action": "core.echo",
            "next": [{"do": [f"b{i}", *([f"a{i + 1}"] if i + 1 < half else [])]}],
        }
        for i in range(half)
    ]
    rail = [
        {
            "name": f"b{i}",
            "action": "core.echo",
            **({"next": [{"do": [f"b{i + 1}"]}]} if i + 1 < half else {}),
        }
        for i in range(half)
    ]
    return {"tasks": [*rungs, *rail]}


def layers(n: int, width: int = 4) -> dict:
    """Layers of `width` tasks, each feeding the next layer's first two, with status guards."""
    tasks = []
    for i in range(n):
        following = [f"t{(i // width + 1) * width + k}" for k in range(2) if (i // width + 1) * width + k < n]
        nxt = [
            {"when": "{{ succeeded() }}", "do": following},
            {"when": "{{ failed() }}", "do": following[:1]},
        ]
        tasks.append({"name": f"t{i}", "action": "core.echo", **({"next": nxt} if following else {})})
    return {"tasks": tasks}


def lines_run(definition: dict) -> int:
    """Python lines executed by the graph analysis: a deterministic measure of its work."""
    normalized, _ = normalize(definition)
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        graph_diagnostics(normalized)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("shape", [chain, ladder, layers], ids=lambda shape: shape.__name__)
def test_graph_analysis_work_grows_linearly_with_the_tasks(shape):
    # 4x the tasks (and edges): 4x the work, with a little room for constant parts.
    small, large = lines_run(shape(200)), lines_run(shape(800))
    assert large / small <= 4.4, (small, large)


def test_networkx_dominators_fail_the_linear_bound_on_a_ladder(monkeypatch):
    """The bound above can fail: with the dominators used before, the ladder is quadratic."""
    monkeypatch.setattr(graph, "immediate_dominators", networkx_dominators)
    small, large = lines_run(ladder(200)), lines_run(ladder(800))
    assert large / small > 6, (small, large)


@given(
    st.integers(1, 12).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))))
    )
)
@PROPERTIES
def test_dominators_agree_with_networkx(graph_shape):
    count, edges = graph_shape
    successors = {node: [] for node in range(count)}
    for source, target in edges:
        successors[source].append(target)
    assert immediate_dominators(0, successors) == networkx_dominators(0, successors)
