"""The renderer's functions and runtime limits (docs/workflow-language.md#templates, engine-design C1)."""

import time

import pytest
from django.test import override_settings

from executions.rendering import RenderError, render, render_condition
from workflows.validation.functions import FUNCTIONS
from workflows.validation.language import BUILTIN_FUNCTIONS

EXAMPLES = [
    ("length([1, 2, 3])", 3),
    ("keys({'a': 1, 'b': 2})", ["a", "b"]),
    ("values({'a': 1, 'b': 2})", [1, 2]),
    ("lower('AbC')", "abc"),
    ("upper('abc')", "ABC"),
    ("trim('  a ')", "a"),
    ("split('a,b', ',')", ["a", "b"]),
    ("join(['a', 'b'], ', ')", "a, b"),
    ("replace('a-b-c', '-', '_')", "a_b_c"),
    ("starts_with('v2.1', 'v')", True),
    ("ends_with('x.yaml', '.yaml')", True),
    ("match('^v[0-9]+', 'v12')", True),
    ("contains(['a', 'b'], 'b')", True),
    ("reversed([1, 2, 3])", [3, 2, 1]),
    ("sort([3, 1, 2])", [1, 2, 3]),
    ("unique([1, 2, 1])", [1, 2]),
    ("flat([[1, 2], [3], 4])", [1, 2, 3, 4]),
    ("zip([1, 2], ['a', 'b'])", [[1, "a"], [2, "b"]]),
    ("range(3)", [0, 1, 2]),
    ("string(42)", "42"),
    ("number('2.5')", 2.5),
    ("int('7')", 7),
    ("int(2.9)", 2),
    ("bool([])", False),
    ("type_of([1])", "array"),
    ("abs(-3)", 3),
    ("floor(2.7)", 2),
    ("ceil(2.1)", 3),
    ("round(2.5)", 3),
    ("min([3, 1, 2])", 1),
    ("max([3, 1, 2])", 3),
    ("sum([1, 2, 3])", 6),
]
WRONG_TYPES = [
    "length(5)", "keys([1])", "values('a')", "lower(1)", "upper([])", "trim(1)", "split(1, ',')",
    "join('ab', ',')", "replace(1, 'a', 'b')", "starts_with(1, 'a')", "ends_with('a', 1)",
    "match(1, 'a')", "contains(5, 1)", "reversed(5)", "sort([1, 'a'])", "unique(5)", "flat(5)",
    "zip(1, [1])", "range('a')", "number([1])", "int(none)", "abs('a')", "floor('a')", "ceil([])",
    "round('a')", "min([])", "max(5)", "sum(['a'])",
]  # fmt: skip


def test_validator_and_renderer_share_one_function_table():
    assert set(FUNCTIONS) == BUILTIN_FUNCTIONS
    assert len(BUILTIN_FUNCTIONS) == 31


@pytest.mark.parametrize(("expression", "value"), EXAMPLES)
def test_function_examples_from_the_doc(expression, value):
    assert render("{{ " + expression + " }}", {}) == value


@pytest.mark.parametrize("expression", WRONG_TYPES)
def test_function_given_the_wrong_kind_of_value_is_a_render_error(expression):
    with pytest.raises(RenderError):
        render("{{ " + expression + " }}", {})


def test_s20_exactly_one_template_keeps_the_json_type_and_anything_else_interpolates():
    names = {"parameters": {"hosts": ["a", "b"], "n": 3}}
    assert render("{{ parameters.hosts }}", names) == ["a", "b"]
    assert render(" {{ parameters.n }} ", names) == 3
    assert render("n={{ parameters.n }} h={{ parameters.hosts }} z={{ none }}", names) == 'n=3 h=["a","b"] z='


def test_s22_truthiness_of_whole_values_and_interpolated_text():
    assert render_condition("{{ [] }}", {}) is False
    assert render_condition("{{ [0] }}", {}) is True
    assert render_condition("x {{ 'no' }}", {}) is True
    assert render_condition("{{ 'no' }} ", {}) is True
    assert render_condition(" no{{ '' }}", {}) is False


def test_s23_undefined_is_null_whole_and_reading_into_it_is_an_error():
    assert render("{{ parameters.missing }}", {"parameters": {}}) is None
    with pytest.raises(RenderError):
        render("{{ parameters.missing.deeper }}", {"parameters": {}})


def test_s27_bare_name_is_a_workflow_variable_and_dot_reads_data_not_methods():
    assert render("{{ counter + 1 }}", {"workflow": {"counter": 1}}) == 2
    assert render("{{ result().items }}", {"result": lambda: {"items": [1]}}) == [1]


@pytest.mark.parametrize(
    "template",
    ["{{ 'a' * 10**8 }}", "{{ [1] * 10**7 }}", "{{ 'a'.ljust(10**8) }}", "{{ '{:>100000000}'.format(1) }}",
     "{{ 'x' | center(100000000) }}", "{{ '%100000000d' % 1 }}", "{{ parameters.s ~ parameters.s }}",
     "{{ parameters.s + parameters.s }}", "{{ parameters.url.upper() }}"],
)  # fmt: skip
def test_c1_growing_templates_fail_fast(template):
    started = time.monotonic()
    with pytest.raises(RenderError):
        render(template, {"parameters": {"s": "x" * 600_000, "url": "u"}})
    assert time.monotonic() - started < 1


@override_settings(ATTUNE_RENDER_MAX_BYTES=1000)
def test_c1_render_max_bytes_at_the_limit_and_just_over():
    assert len(render("{{ 'a' * 998 }}", {})) == 998  # 998 characters + 2 quotes as JSON
    with pytest.raises(RenderError, match="ATTUNE_RENDER_MAX_BYTES"):
        render("{{ 'a' * 999 }}", {})
    assert len(render("x{{ 'a' * 998 }}", {})) == 999
    with pytest.raises(RenderError, match="ATTUNE_RENDER_MAX_BYTES"):
        render("x{{ 'a' * 998 }}{{ 'b' }}{{ 'c' }}", {})


def test_c1_range_at_the_limit_and_just_over():
    assert len(render("{{ range(100000) }}", {})) == 100_000
    with pytest.raises(RenderError, match="at most 100000"):
        render("{{ range(100001) }}", {})


@override_settings(ATTUNE_RENDER_MAX_SECONDS=0.0)
def test_c1_render_max_seconds_over_the_deadline():
    with pytest.raises(RenderError, match="ATTUNE_RENDER_MAX_SECONDS"):
        render("{{ 1 * 2 }}", {})


def test_c1_render_max_seconds_within_the_deadline():
    assert render("{{ 1 * 2 }}", {}) == 2
