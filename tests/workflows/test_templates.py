"""Template checks: one test per code with a valid twin, escape payloads, and odd input."""

import random

import pytest

from workflows.validation.diagnostics import ERROR, WARNING
from workflows.validation.templates import template_diagnostics


def task(name, **fields):
    return {"name": name, "type": "action", "action": "core.noop", **fields}


def check(tasks, output_map=None, *, params=("channel",), variables=("counter",), before=None, end=()):
    """Diagnostics for a definition with `tasks`; by default nothing has finished before anything."""
    definition = {"version": "1.0", "tasks": tasks}
    if output_map is not None:
        definition["output_map"] = output_map
    return template_diagnostics(
        definition,
        param_names=None if params is None else set(params),
        var_names=set(variables),
        finished_before=before or {},
        finished_at_end=set(end),
    )


def only(diagnostics):
    """The single diagnostic as (code, path, severity)."""
    assert len(diagnostics) == 1, [str(d) for d in diagnostics]
    found = diagnostics[0]
    assert found.message.strip()
    return found.code, found.path, found.severity


def codes(diagnostics):
    return {d.code for d in diagnostics}


# W301 ---------------------------------------------------------------------------------------


def test_syntax_error_says_where_and_what():
    found = check([task("a", input={"x": "ok", "channel": "{{ parameters.channel + }}"})])
    assert only(found) == ("W301-template-syntax", "/tasks/0/input/channel", ERROR)
    assert "{{ parameters.channel + }}" in found[0].message
    assert "line 1" in found[0].message


def test_syntax_error_reports_the_line_inside_the_template():
    found = check([task("a", input={"x": "first\n{{ a. }}"})])
    assert "line 2" in found[0].message


def test_valid_syntax_twin():
    assert check([task("a", input={"channel": "{{ parameters.channel }}", "n": 3, "s": "plain"})]) == []


# W302 ---------------------------------------------------------------------------------------


def test_unknown_bare_name_suggests_parameters_when_it_is_one():
    found = check([task("a", input={"to": "{{ channel }}"})])
    assert only(found) == ("W302-unknown-name", "/tasks/0/input/to", ERROR)
    assert "parameters.channel" in found[0].message


def test_unknown_bare_name_suggests_workflow_otherwise():
    found = check([task("a", when="{{ missing > 1 }}")])
    assert only(found) == ("W302-unknown-name", "/tasks/0/when", ERROR)
    assert "workflow.missing" in found[0].message


def test_function_named_but_not_called_is_unknown():
    assert only(check([task("a", input={"x": "{{ lower }}"})]))[0] == "W302-unknown-name"


def test_known_names_twin():
    template = (
        "{{ counter + workflow.counter + vars.x + variables.y + config.z + system.id "
        "+ length(parameters.channel) + (true and none is none) }}"
    )
    assert check([task("a", input={"x": template})]) == []


# W303 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["{{ parameters.chanel }}", "{{ parameters['chanel'] }}"])
def test_undeclared_parameter(template):
    found = check([task("a", input={"list": [{"deep": template}]})])
    assert only(found) == ("W303-undeclared-parameter", "/tasks/0/input/list/0/deep", ERROR)


def test_undeclared_parameter_twins():
    assert check([task("a", input={"x": "{{ parameters['channel'] }}"})]) == []
    # No parameter schema declared: nothing to check against.
    assert check([task("a", input={"x": "{{ parameters.anything }}"})], params=None) == []


# W304 / W305 --------------------------------------------------------------------------------


def test_task_result_not_finished_is_a_warning():
    found = check([task("a"), task("b", input={"id": "{{ task.a.result.id }}"})])
    assert only(found) == ("W304-task-not-finished", "/tasks/1/input/id", WARNING)


def test_task_result_finished_twin():
    tasks = [task("a"), task("b", input={"id": "{{ tasks['a'].result.id }}"})]
    assert check(tasks, before={"b": {"a"}}) == []


def test_own_result_is_finished_in_transitions_only():
    transition = {"when": "{{ succeeded() and task.a.ok }}", "do": ["b"]}
    tasks = [task("a", next=[transition], timeout="{{ task.a.x }}"), task("b")]
    assert only(check(tasks)) == ("W304-task-not-finished", "/tasks/0/timeout", WARNING)


def test_output_map_uses_tasks_finished_at_end():
    found = check(
        [task("a"), task("b")], {"result": "{{ task.b.out }}", "first": "{{ task.a.out }}"}, end={"a"}
    )
    assert only(found) == ("W304-task-not-finished", "/output_map/result", WARNING)


def test_unknown_task_result():
    found = check([task("a")], {"result": "{{ task.nope.out }}"}, end={"a"})
    assert only(found) == ("W305-unknown-task-result", "/output_map/result", ERROR)


def test_nested_parallel_tasks_use_their_own_names():
    inner = [task("p1"), task("p2", input={"x": "{{ task.p1.out }}"})]
    tasks = [task("fan", type="parallel", tasks=inner)]
    assert only(check(tasks))[:2] == ("W304-task-not-finished", "/tasks/0/tasks/1/input/x")
    assert check(tasks, before={"p2": {"p1"}}) == []


# W306 ---------------------------------------------------------------------------------------


def test_transition_function_outside_transition():
    found = check([task("a", input={"x": "{{ result().id }}"})])
    assert only(found) == ("W306-transition-function-outside-transition", "/tasks/0/input/x", ERROR)


def test_transition_functions_in_when_and_publish_twin():
    publish = [{"incident_id": "{{ result().id }}"}, "whole", {"n": {"nested": ["{{ failed() }}"]}}]
    transitions = [{"when": "{{ succeeded() or timed_out() }}", "publish": publish, "do": ["b"]}]
    assert check([task("a", next=transitions), task("b")]) == []


def test_transition_function_in_output_map():
    found = check([task("a")], {"ok": "{{ succeeded() }}"})
    assert only(found) == ("W306-transition-function-outside-transition", "/output_map/ok", ERROR)


# W307 ---------------------------------------------------------------------------------------


def test_item_outside_with_items():
    found = check([task("a", input={"host": "{{ item }}"})])
    assert only(found) == ("W307-iteration-name-outside-with-items", "/tasks/0/input/host", ERROR)


@pytest.mark.parametrize(
    "fields, path",
    [
        ({"with_items": "{{ item }}"}, "/tasks/0/with_items"),
        ({"when": "{{ index > 0 }}"}, "/tasks/0/when"),
        ({"next": [{"publish": [{"last": "{{ item }}"}]}]}, "/tasks/0/next/0/publish/0/last"),
    ],
)
def test_iteration_names_only_in_the_iterating_tasks_input(fields, path):
    fields = {"with_items": "{{ parameters.channel }}", **fields}
    found = check([task("a", **fields)])
    assert only(found) == ("W307-iteration-name-outside-with-items", path, ERROR)


def test_item_in_with_items_input_twin():
    tasks = [task("a", with_items="{{ parameters.channel }}", input={"h": "{{ item.host }}-{{ index }}"})]
    assert check(tasks) == []


# W308 / W309 --------------------------------------------------------------------------------


def test_unsafe_attribute():
    found = check([task("a", input={"x": "{{ parameters.channel.__class__ }}"})])
    assert only(found) == ("W308-unsafe-template", "/tasks/0/input/x", ERROR)


@pytest.mark.parametrize(
    "template",
    [
        "{{ config['__cla' ~ 'ss__'] }}",
        "{{ config | attr('__class__') }}",
        "{{ config | attr(parameters.channel) }}",
        "{{ config | map(attribute='__class__') }}",
        "{{ config.mro }}",
        "{{ lower.x }}",
        "{{ 'a'.upper().x }}",
    ],
)
def test_unsafe_variants(template):
    assert "W308-unsafe-template" in codes(check([task("a", input={"x": template})]))


def test_safe_access_twin():
    template = "{{ config.items | map(attribute='name') | join(',') }} {{ config['key'] | attr('x') }}"
    assert check([task("a", input={"x": template})]) == []


def test_statement_not_allowed():
    found = check([task("a", input={"x": "{% if true %}yes{% endif %}"})])
    assert only(found) == ("W309-statement-not-allowed", "/tasks/0/input/x", ERROR)


def test_expression_only_twin():
    assert check([task("a", input={"x": "{{ 'yes' if true else 'no' }} {# note #}"})]) == []


# W310 ---------------------------------------------------------------------------------------

DEEP = {
    "parentheses": "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}",
    "attribute chain": "{{ parameters.channel" + ".a" * 5000 + " }}",
    "subscript chain": "{{ parameters.channel" + "['a']" * 5000 + " }}",
    "filter chain": "{{ parameters.channel" + " | lower" * 5000 + " }}",
    "operator chain": "{{ 1" + " + 1" * 5000 + " }}",
    "nested lists": "{{ " + "[" * 3000 + "]" * 3000 + " }}",
    "nested calls": "{{ " + "length(" * 2000 + "1" + ")" * 2000 + " }}",
    "not chain": "{{ " + "not " * 3000 + "true }}",
    "conditional chain": "{{ 1" + " if true else 1" * 3000 + " }}",
}


@pytest.mark.parametrize("template", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_template_is_a_diagnostic_not_a_recursion_error(template):
    found = check([task("a", input={"x": template})])
    assert only(found) == ("W310-template-too-deep", "/tasks/0/input/x", ERROR)


def test_nesting_within_the_limits_twin():
    brackets = "{{ " + "(" * 32 + "parameters.channel" + ")" * 32 + " }}"
    chain = "{{ workflow.counter" + ".a" * 60 + " }}"
    assert (
        check(
            [task("a", input={"x": brackets, "y": chain, "z": "{{ '((((((((((((((((((((((((((((((((((' }}"})]
        )
        == []
    )


# W311 / W312 / W313 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{{ parameters[workflow.counter ~ 'y'] }}",
        "{{ config[workflow.counter] }}",
        "{{ task[workflow.counter].result }}",
        "{{ workflow[parameters.channel] }}",
    ],
)
def test_computed_key_on_a_namespace(template):
    assert only(check([task("a", input={"x": template})])) == ("W311-computed-key", "/tasks/0/input/x", ERROR)


def test_literal_keys_and_computed_keys_on_values_twin():
    template = "{{ parameters['channel'] }} {{ parameters['chan' ~ 'nel'] }} {{ workflow.counter[parameters.channel] }}"
    assert check([task("a", input={"x": template})]) == []


@pytest.mark.parametrize(
    "template", ["{{ '{}'.format(parameters.channel) }}", "{{ '{x}'.format_map(config) }}"]
)
def test_string_format_method(template):
    assert only(check([task("a", input={"x": template})])) == (
        "W312-string-format",
        "/tasks/0/input/x",
        ERROR,
    )


def test_string_built_with_tilde_twin():
    assert check([task("a", input={"x": "{{ 'id ' ~ parameters.channel ~ (1 | string) }}"})]) == []


@pytest.mark.parametrize(
    "template",
    [
        "{{ config.pop('token') }}",
        "{{ parameters.channel.upper() }}",
        "{{ config['pop']('x') }}",
        "{{ workflow.counter.keys() }}",
    ],
)
def test_method_call_on_a_value(template):
    assert only(check([task("a", input={"x": template})])) == ("W313-method-call", "/tasks/0/input/x", ERROR)


def test_filters_and_functions_instead_of_methods_twin():
    template = (
        "{{ parameters.channel | upper }} {{ upper(parameters.channel) }} {{ keys(config) | join(',') }}"
    )
    assert check([task("a", input={"x": template})]) == []


# retry.on_error -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "on_error, code",
    [
        ("{{ item.code == 500 }}", "W307-iteration-name-outside-with-items"),
        ("{{ parameters.chanel }}", "W303-undeclared-parameter"),
        ("{{ config.pop('x') }}", "W313-method-call"),
        ("{{ result( }}", "W301-template-syntax"),
    ],
)
def test_retry_on_error_is_checked_like_a_transition_when(on_error, code):
    found = check([task("a", retry={"count": 3, "on_error": on_error})])
    assert only(found) == (code, "/tasks/0/retry/on_error", ERROR)


def test_retry_on_error_may_use_the_failed_run_and_its_own_task_twin():
    on_error = "{{ failed() and result().status == 503 and task.a.attempts < 3 }}"
    assert check([task("a", retry={"count": 3, "on_error": on_error})]) == []


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ self._TemplateReference__context }}",
    "{{ request.application.__globals__ }}",
    "{{ config.__class__.__init__.__globals__ }}",
    "{% for x in range(10) %}{% endfor %}",
    "{{ namespace.__init__ }}",
    "{{ ().__class__.__bases__[0] }}",
    "{% set x = 1 %}",
    "{{ joiner | attr('__init__') }}",
    "{{ parameters[workflow.key ~ '__class__'] }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(config) }}",
    "{{ '{c.__class__}'.format_map(config) }}",
    "{{ config.pop('secret') }}",
    "{{ parameters.url.upper() }}",
    "{{ config.__class__" + ".mro" * 2000 + " }}",
    "{{ " + "(" * 1000 + "config" + ")" * 1000 + " }}",
]
ESCAPE_CODES = {
    "W302-unknown-name", "W308-unsafe-template", "W309-statement-not-allowed", "W310-template-too-deep",
    "W311-computed-key", "W312-string-format", "W313-method-call",
}  # fmt: skip


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_payloads_are_rejected(payload):
    found = check([task("a", input={"x": payload})])
    assert codes(found) & ESCAPE_CODES
    assert all(d.severity == ERROR and d.path == "/tasks/0/input/x" for d in found)


# Odd input ----------------------------------------------------------------------------------


def odd_value(rng, depth=0):
    choices = [None, 1, 2.5, True, "x", "{{ item }}", "{{ task.a.b }}", "{{ ", "{%", "{{ result() }}"]
    if depth < 3:
        choices += [
            [odd_value(rng, depth + 1) for _ in range(rng.randint(0, 3))],
            {
                rng.choice(["name", "input", "next", "when", "tasks", "publish", "do", 1]): odd_value(
                    rng, depth + 1
                )
            },
        ]
    return rng.choice(choices)


@pytest.mark.parametrize("seed", range(200))
def test_odd_input_never_raises(seed):
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not secrets
    definition = {"tasks": odd_value(rng), "output_map": odd_value(rng)}
    if rng.random() < 0.5:
        definition["tasks"] = [odd_value(rng) for _ in range(3)] + [task("a", next=odd_value(rng))]
    before = rng.choice([{}, {"a": None}, {"a": 5}, {"a": {"b"}}])
    result = template_diagnostics(
        definition,
        param_names=rng.choice([None, set(), {"x"}]),
        var_names=set(),
        finished_before=before,
        finished_at_end=set(),
    )
    assert isinstance(result, list)


@pytest.mark.parametrize("definition", [None, 3, "tasks", [], {"tasks": None}, {"output_map": [1]}])
def test_non_dict_definitions(definition):
    kwargs = {"param_names": None, "var_names": set(), "finished_before": {}, "finished_at_end": set()}
    assert template_diagnostics(definition, **kwargs) == []
