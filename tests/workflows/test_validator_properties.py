"""Property tests: whatever a definition holds, the validator answers with diagnostics, never a crash.

Two kinds of random input: (a) arbitrary JSON values, and (b) "almost valid" definitions,
built from the language's own keys (workflows/validation/language.py) with mostly well-typed
values, names from a small alphabet (so transitions often reach real tasks) and templates
assembled from fragments, so the graph and template checks run too, not only the schema.
"""

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workflows.validation import Diagnostic, Report, check_definition, describe_graph
from workflows.validation.diagnostics import ERROR, WARNING
from workflows.validation.language import (
    BACKOFFS,
    LEGACY_TASK_KEYS,
    TASK_KEY_ALIASES,
    TASK_KEYS,
    TASK_TYPES,
    TRANSITION_KEYS,
)

CODE = re.compile(r"^W\d{3}-[a-z0-9-]+$")
PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    # conftest.py's autouse `settings` fixture only swaps the password hasher: no state here.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- (a) arbitrary JSON ------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)

# --- (b) almost valid definitions --------------------------------------------------------

# A few names, so transitions, joins and `task.<name>` often hit real tasks. "item" and
# "task" are reserved words, and "" is too short for a name: they come with the noise.
NAMES = st.sampled_from(["a", "b", "c", "d", "e", "f"])
ODD_NAMES = st.sampled_from(["", "item", "task"])
# Templates: fragment soup (mostly a syntax error), or `{{ ... }}` around expressions built
# from the same fragments, which parse and reach the name, task and safety checks.
FRAGMENTS = st.sampled_from(
    [
        "{{ ", " }}", "{%", "%}", "{#", "#}", "parameters.", "task.", "tasks.", "workflow.", "item",
        "index", "result()", "succeeded()", "failed()", "timed_out()", "__class__", "mro", "x", "a",
        "b", "c", "e", " and ", " or ", "not ", "(", ")", "[", "]", "'", "'_", "|attr(", "|map(attribute=",
        "length(", ",", "1", " ~ ", " + ", ".", "null", "none", "-", "\n",
    ]
)  # fmt: skip
BASES = st.sampled_from(["parameters.", "task.", "tasks.", "workflow.", "vars.", "config.", "system.", ""])
ATOMS = st.one_of(
    st.tuples(BASES, NAMES | ODD_NAMES | st.sampled_from(["x", "index", "null", "__class__", "mro"])).map(
        "".join
    ),
    st.sampled_from(
        ["result()", "succeeded()", "failed()", "timed_out()", "length(item)", "keys(workflow)", "length",
         "'lit'", "1", "none", "x.y()", "length(x).z", "[1, 2]"]
    ),
)  # fmt: skip
SUFFIXES = st.sampled_from(
    ["", ".value", ".__class__", ".mro", "['_x']", "['k' ~ 'v']", "|attr('_y')", "|attr(x)",
     "|map(attribute='__z')", "|length", " is defined", "()", ".items()"]
)  # fmt: skip
EXPRESSIONS = st.lists(st.tuples(ATOMS, SUFFIXES).map("".join), min_size=1, max_size=3).map(" and ".join)
STATEMENTS = st.sampled_from(["{% set x = 1 %}", "{% for i in item %}{{ i }}{% endfor %}", "{# note #}"])
TEMPLATES = st.one_of(
    st.lists(FRAGMENTS, max_size=12).map("".join),
    EXPRESSIONS.map(lambda e: "{{ " + e + " }}"),
    st.tuples(EXPRESSIONS, st.text(max_size=4), EXPRESSIONS).map(
        lambda t: f"{{{{ {t[0]} }}}}{t[1]}{{{{ {t[2]} }}}}"
    ),
    STATEMENTS,
)
TEXT = TEMPLATES | st.text(max_size=10)


def subset_dict(values: dict, required=()):
    """A dict with `required` keys and a random subset of the other keys of `values`."""
    optional = sorted(set(values) - set(required))
    return st.lists(st.sampled_from(optional), unique=True, max_size=min(len(optional), 5)).flatmap(
        lambda keys: st.fixed_dictionaries({key: values[key] for key in (*required, *keys)})
    )


def almost_valid(noisy: bool):
    """Definitions of the language's keys. Not noisy, the values have the schema's types and
    ranges, so the graph and template checks run; noisy, about one value in four is any JSON
    or out of range, and odd keys and non-mapping tasks turn up."""

    def mostly(strategy, off=None):
        off = st.nothing() if off is None else off
        return st.one_of(strategy, strategy, strategy, off | JSON) if noisy else strategy

    names = mostly(NAMES, ODD_NAMES)
    targets = st.lists(names, max_size=3)
    publish = st.lists(names | st.dictionaries(NAMES, TEMPLATES, min_size=1, max_size=1), max_size=3)
    transition = {
        "when": mostly(TEMPLATES),
        "publish": mostly(publish),
        "do": mostly(targets),
        "__chart_meta__": JSON,
    }
    assert set(transition) == TRANSITION_KEYS
    branch = st.fixed_dictionaries(
        {"next": names}, optional={"when": mostly(TEMPLATES), "default": mostly(st.booleans())}
    )
    retry = st.fixed_dictionaries(
        {"count": mostly(st.integers(1, 100), st.sampled_from([0, 101]))},
        optional={
            "delay": st.integers(0, 5) | st.floats(0, 5),
            "backoff": st.sampled_from(BACKOFFS),
            "max_delay": mostly(st.integers(0, 5), st.just(-1)),
        },
    )

    def task_values(nested):
        values = {
            "name": names,
            "type": mostly(st.sampled_from(TASK_TYPES)),
            "action": mostly(st.sampled_from(["core.echo", "core.noop", "pack.flow", "noref"]), st.just("")),
            "input": mostly(st.dictionaries(st.text(max_size=5), TEXT | JSON, max_size=3)),
            "next": mostly(st.lists(mostly(subset_dict(transition)), max_size=3)),
            "when": mostly(TEMPLATES),
            "with_items": mostly(TEMPLATES | st.lists(TEXT, max_size=3)),
            "batch_size": mostly(st.integers(1, 1000), st.sampled_from([0, 1001])),
            "concurrency": mostly(st.integers(1, 100), st.sampled_from([0, 101])),
            "retry": mostly(retry),
            "timeout": mostly(st.integers(0, 100) | TEMPLATES, st.just(-1)),
            "join": mostly(st.integers(1, 4), st.just(0)),
            "tasks": nested,
            "__chart_meta__": JSON,
            "on_success": mostly(names | targets),
            "on_failure": mostly(names | targets),
            "on_complete": mostly(names | targets),
            "on_timeout": mostly(names | targets),
            "decision": mostly(st.lists(mostly(branch), max_size=3)),
            "publish": mostly(publish),
            "wait_for": mostly(st.fixed_dictionaries({"inquiry": TEMPLATES | st.integers(1, 9)})),
            "iterate_cache": mostly(st.fixed_dictionaries({"namespace": NAMES})),
            "permission_set_refs": mostly(names | targets),
            "permission_set_ref": mostly(names | targets),
        }
        assert set(values) == TASK_KEYS | set(LEGACY_TASK_KEYS) | set(TASK_KEY_ALIASES)
        return values

    def tasks(depth: int, min_size: int):
        """Task lists; `parallel` tasks nest up to `depth` more levels (the limit is 3 deep)."""
        values = task_values(mostly(tasks(depth - 1, 1), st.just([])) if depth else None)
        if not depth:  # no `tasks` at the deepest level
            del values["tasks"]
        # Without noise every task has its action, else W111 would hide most other findings.
        task = subset_dict(values, required=("name",) if noisy else ("name", "action"))
        if noisy:
            odd = st.tuples(task, st.text(min_size=1, max_size=8), JSON).map(lambda t: {**t[0], t[1]: t[2]})
            task = st.one_of(task, task, task, odd, JSON)
        return st.lists(task, min_size=min_size, max_size=6)

    return st.fixed_dictionaries(
        {
            "version": mostly(
                st.just("1.0") | st.text(min_size=1, max_size=50), st.sampled_from(["", "x" * 51])
            ),
            "tasks": mostly(tasks(2, 1), st.just([])),
        },
        optional={
            "parameters": mostly(st.dictionaries(NAMES, st.just({"type": "string"}), max_size=3)),
            "vars": mostly(st.dictionaries(NAMES, JSON, max_size=3), st.just({"x y": 1})),
            "output_map": mostly(st.dictionaries(st.text(max_size=5), TEMPLATES, max_size=3)),
            "output": st.dictionaries(st.text(max_size=5), JSON, max_size=3),
            "cancellation_policy": mostly(st.sampled_from(["allow_finish", "cancel_running"])),
            "label": mostly(st.text(max_size=10)),
            "tags": mostly(st.lists(st.text(max_size=5), max_size=3)),
            **({"unknown": JSON} if noisy else {}),
        },
    )


def unique_names(definition: dict) -> dict:
    """Rename repeated task names (a -> a2), so W102 does not stop the checks after it."""
    seen: set[str] = set()

    def rename(tasks):
        for task in tasks if isinstance(tasks, list) else ():
            if isinstance(task, dict) and isinstance(task.get("name"), str):
                name, number = task["name"], 1
                while task["name"] in seen:
                    number += 1
                    task["name"] = f"{name}{number}"
                seen.add(task["name"])
                rename(task.get("tasks"))

    rename(definition.get("tasks"))
    return definition


CLEAN = almost_valid(noisy=False)
DEFINITIONS = st.one_of(CLEAN, CLEAN.map(unique_names), almost_valid(noisy=True))
# What the callers pass: none, the flat form, or a JSON Schema (both already validated).
PARAM_SCHEMAS = st.one_of(
    st.none(),
    st.dictionaries(NAMES, st.just({"type": "string"}), max_size=3),
    st.lists(NAMES, max_size=3).map(
        lambda names: {"type": "object", "properties": {n: {"type": "string"} for n in names}}
    ),
)


# --- the properties ----------------------------------------------------------------------


def assert_only_diagnostics(definition, **kwargs) -> Report:
    """check_definition answers with well-formed diagnostics, and a clean graph can be drawn."""
    report = check_definition(definition, **kwargs)
    assert isinstance(report, Report)
    assert isinstance(report.diagnostics, list)
    for diagnostic in report.diagnostics:
        assert isinstance(diagnostic, Diagnostic), diagnostic
        assert CODE.match(diagnostic.code), diagnostic.code
        assert diagnostic.severity in {ERROR, WARNING}, diagnostic
        assert isinstance(diagnostic.path, str), diagnostic
        assert diagnostic.path == "" or diagnostic.path.startswith("/"), diagnostic
        assert isinstance(diagnostic.message, str) and diagnostic.message.strip(), diagnostic
    if report.errors == []:
        graph = describe_graph(report.definition)
        assert set(graph) == {"nodes", "edges", "entry"}
    return report


@PROPERTIES
@given(JSON)
@example(None)
@example([])
@example({})
@example({"version": "1.0", "tasks": []})
def test_any_json_value_gets_diagnostics(value):
    assert_only_diagnostics(value)


@PROPERTIES
@given(st.fixed_dictionaries({"version": JSON, "tasks": JSON}))
def test_any_json_under_version_and_tasks_gets_diagnostics(value):
    assert_only_diagnostics(value)


@PROPERTIES
@given(DEFINITIONS, PARAM_SCHEMAS, st.booleans())
@example(
    {
        "version": "1.0",
        "tasks": [
            {"name": "a", "action": "core.echo", "next": [{"do": ["b"], "when": "{{ succeeded() }}"}]},
            {"name": "b", "action": "core.echo", "input": {"v": "{{ task.a.value }}"}, "join": 1},
        ],
    },
    None,
    False,
)
def test_almost_valid_definitions_get_diagnostics(definition, param_schema, workflows_exist):
    assert_only_diagnostics(
        definition, param_schema=param_schema, workflow_exists=lambda ref: workflows_exist
    )


def test_the_almost_valid_strategy_reaches_the_deep_checks():
    """Guard against a strategy that only ever trips the schema: some draws pass it."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(DEFINITIONS)
    def collect(definition):
        seen.update(d.code for d in check_definition(definition).diagnostics)

    collect()
    deep = {code for code in seen if code[1] in "123"}  # graph (W1xx) and template (W3xx) codes
    assert len(deep) >= 5, sorted(seen)
