"""`wait_for` (Attune's inquiry pause) and the `inquiry` namespace: a positive and a negative
test per rule, asserting codes, severities and paths (docs/workflow-language.md#inquiries-wait_for).
"""

import pytest

from attune.yamlio import load_yaml
from executions.conductor.names import base_names
from executions.conductor.types import Context
from workflows.models import Workflow
from workflows.validation import check_definition
from workflows.validation.diagnostics import ERROR, WARNING
from workflows.validation.language import INQUIRY_FIELDS, ITERATION_NAMES, NAMESPACES

URL = "/api/v1/workflows"
ASKED = "{{ task.ask.inquiry_id }}"


def ask(*then):
    """The task that creates the inquiry; leads to `then` when it succeeds."""
    return {"name": "ask", "action": "core.ask", "next": [{"when": "{{ succeeded() }}", "do": list(then)}]}


def gated(name="deploy", wait_for=None, **keys):
    wait_for = {"inquiry": ASKED} if wait_for is None else wait_for
    return {"name": name, "action": "core.echo", "wait_for": wait_for, **keys}


def codes(definition) -> list[tuple[str, str, str]]:
    return [(d.code, d.severity, d.path) for d in check_definition(definition).diagnostics]


# 1. Accepted on an action task; W601 is no longer emitted -----------------------------------


@pytest.mark.parametrize("inquiry", [ASKED, 7, "{{ parameters.inquiry_id }}", "12"])
def test_wait_for_on_an_action_task_is_accepted(inquiry):
    definition = {"tasks": [ask("deploy"), gated(wait_for={"inquiry": inquiry})]}
    assert codes(definition) == []
    assert check_definition(definition).definition["tasks"][1]["wait_for"] == {"inquiry": inquiry}


def test_wait_for_in_a_nested_task_of_a_parallel_group_is_accepted():
    group = {"name": "group", "type": "parallel", "tasks": [gated(wait_for={"inquiry": 3})]}
    assert codes({"tasks": [group]}) == []


def test_no_diagnostic_says_w601_any_more():
    report = check_definition({"tasks": [gated(wait_for={"inquiry": 1})]})
    assert not any(d.code.startswith("W601") for d in report.diagnostics)


def test_the_api_stores_a_workflow_with_wait_for(api_client, make_pack):
    make_pack("ops")
    definition = {"tasks": [ask("deploy"), gated()]}
    body = {
        "ref": "ops.gated",
        "pack_ref": "ops",
        "label": "Gated",
        "version": "1.0.0",
        "definition": definition,
    }
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json().get("warnings", []) == []
    assert Workflow.objects.get(ref="ops.gated").definition["tasks"][1]["wait_for"] == {"inquiry": ASKED}


# 2. Refused where it cannot mean what it says (W124); shape errors -------------------------


@pytest.mark.parametrize(
    "refused",
    [
        {"name": "t", "type": "parallel", "tasks": [{"name": "x", "action": "core.echo"}]},
        {"name": "t", "type": "workflow", "action": "ops.child"},
        {"name": "t", "action": "core.echo", "with_items": "{{ [1, 2] }}"},
    ],
    ids=["parallel", "workflow", "with_items"],
)
def test_wait_for_is_refused_on_parallel_workflow_and_with_items_tasks(refused):
    found = codes({"tasks": [{**refused, "wait_for": {"inquiry": 1}}]})
    assert found == [("W124-wait-for-not-here", ERROR, "/tasks/0/wait_for")]


@pytest.mark.parametrize(
    "allowed",
    [
        {"name": "t", "type": "parallel", "tasks": [{"name": "x", "action": "core.echo"}]},
        {"name": "t", "type": "workflow", "action": "ops.child"},
        {"name": "t", "action": "core.echo", "with_items": "{{ [1, 2] }}"},
    ],
    ids=["parallel", "workflow", "with_items"],
)
def test_the_same_tasks_without_wait_for_are_accepted(allowed):
    assert codes({"tasks": [allowed]}) == []


def test_w124_is_located_at_the_wait_for_key():
    text = (
        "tasks:\n"
        "  - name: each\n"
        "    action: core.echo\n"
        '    with_items: "{{ [1, 2] }}"\n'
        "    wait_for:\n"
        "      inquiry: 7\n"
    )
    doc = load_yaml(text)
    (found,) = check_definition(doc.data, doc=doc).diagnostics
    assert (found.code, found.path, found.line, found.column) == (
        "W124-wait-for-not-here",
        "/tasks/0/wait_for",
        5,
        5,
    )
    assert "once" in found.message


def test_only_inquiry_is_allowed_inside_wait_for():
    found = codes({"tasks": [gated(wait_for={"inquiry": 1, "timeout": 5})]})
    assert found == [("W001-unknown-key", ERROR, "/tasks/0/wait_for/timeout")]


def test_a_missing_inquiry_is_an_error():
    assert codes({"tasks": [gated(wait_for={})]}) == [("W003-missing-key", ERROR, "/tasks/0/wait_for")]


@pytest.mark.parametrize("empty", ["", "   ", 0])
def test_an_empty_inquiry_is_an_error(empty):
    report = check_definition(
        {"tasks": [{"name": "a", "action": "core.echo", "wait_for": {"inquiry": empty}}]}
    )
    assert [(d.code, d.severity, d.path) for d in report.diagnostics] == [
        ("W006-invalid-value", ERROR, "/tasks/0/wait_for/inquiry")
    ]
    assert "an inquiry id" in report.diagnostics[0].message


def test_an_inquiry_of_the_wrong_type_is_an_error():
    found = codes({"tasks": [gated(wait_for={"inquiry": [1]})]})
    assert found == [("W002-wrong-type", ERROR, "/tasks/0/wait_for/inquiry")]


# 3. `inquiry.<task>`: a namespace whose keys are tasks with `wait_for` ---------------------


def test_inquiry_of_a_task_with_wait_for_is_known_in_its_input_and_later():
    deploy = gated(
        input={"message": "{{ inquiry.deploy.response.approved }} by {{ inquiry.deploy.responded_by }}"},
        next=[{"when": "{{ inquiry.deploy.status == 'responded' }}", "do": ["report"]}],
    )
    report = {
        "name": "report",
        "action": "core.echo",
        "input": {"who": "{{ inquiry['deploy'].assigned_to }}"},
    }
    definition = {
        "tasks": [ask("deploy"), deploy, report],
        "output_map": {"answer": "{{ inquiry.deploy.response }}"},
    }
    assert codes(definition) == []


def test_inquiry_of_a_task_without_wait_for_or_of_no_task_is_an_error():
    deploy = gated(input={"a": "{{ inquiry.ask.response }}", "b": "{{ inquiry.nobody.response }}"})
    found = check_definition({"tasks": [ask("deploy"), deploy]}).diagnostics
    assert [(d.code, d.severity, d.path) for d in found] == [
        ("W314-unknown-inquiry", ERROR, "/tasks/1/input/a"),
        ("W314-unknown-inquiry", ERROR, "/tasks/1/input/b"),
    ]
    assert "`ask` has no `wait_for`" in found[0].message
    assert "`nobody` does not exist" in found[1].message


def test_inquiry_fields_are_the_ones_the_engine_keeps():
    fields = " ".join(f"{{{{ inquiry.deploy.{name} }}}}" for name in INQUIRY_FIELDS)
    assert codes({"tasks": [ask("deploy"), gated(input={"all": fields})]}) == []
    found = codes({"tasks": [ask("deploy"), gated(input={"typo": "{{ inquiry.deploy.answer }}"})]})
    assert found == [("W316-unknown-inquiry-field", ERROR, "/tasks/1/input/typo")]


def test_inquiry_is_a_namespace_not_an_unknown_name():
    assert codes({"tasks": [ask("deploy"), gated(input={"all": "{{ inquiry | length }}"})]}) == []
    found = codes({"tasks": [ask("deploy"), gated(input={"all": "{{ inquiries }}"})]})
    assert found == [("W302-unknown-name", ERROR, "/tasks/1/input/all")]


def test_a_computed_inquiry_key_cannot_be_checked():
    found = codes({"tasks": [ask("deploy"), gated(input={"x": "{{ inquiry[parameters.name] }}"})]})
    assert found == [("W311-computed-key", ERROR, "/tasks/1/input/x")]


def test_inquiry_of_the_task_itself_in_its_wait_for_or_guard_is_an_error():
    deploy = gated(wait_for={"inquiry": "{{ inquiry.deploy.id }}"}, when="{{ inquiry.deploy.status }}")
    assert codes({"tasks": [ask("deploy"), deploy]}) == [
        ("W315-inquiry-not-answered", ERROR, "/tasks/1/wait_for/inquiry"),
        ("W315-inquiry-not-answered", ERROR, "/tasks/1/when"),
    ]


def test_inquiry_of_an_earlier_task_in_wait_for_is_accepted():
    first = gated("first", next=[{"when": "{{ succeeded() }}", "do": ["second"]}])
    second = gated("second", wait_for={"inquiry": "{{ inquiry.first.response.next_inquiry }}"})
    assert codes({"tasks": [ask("first"), first, second]}) == []


def test_inquiry_of_a_task_that_may_not_have_finished_is_a_w304_warning():
    other = {"name": "other", "action": "core.echo", "input": {"a": "{{ inquiry.deploy.response }}"}}
    found = check_definition({"tasks": [ask("deploy"), gated(), other]}).diagnostics
    assert [(d.code, d.severity, d.path) for d in found] == [
        ("W304-task-not-finished", WARNING, "/tasks/2/input/a")
    ]
    assert "`inquiry.deploy`" in found[0].message


def test_the_validator_and_the_engine_share_the_namespaces():
    context = Context(parameters={}, config={}, system={}, now=0.0)
    provided = base_names({"variables": {}, "tasks": {}, "inquiries": {}}, context)
    assert set(provided) == set(NAMESPACES) - ITERATION_NAMES
    assert "inquiry" in NAMESPACES


# 4. The `wait_for.inquiry` template is checked in task scope, like `when` ------------------


def test_wait_for_template_names_are_checked():
    found = codes({"tasks": [gated(wait_for={"inquiry": "{{ inquiry_id }}"})]})
    assert found == [("W302-unknown-name", ERROR, "/tasks/0/wait_for/inquiry")]
    scoped = "{{ parameters.id or workflow.id or vars.id or config.id or system.execution_id }}"
    assert codes({"vars": {"id": 1}, "tasks": [gated(wait_for={"inquiry": scoped})]}) == []


def test_wait_for_template_reading_a_task_that_may_not_have_finished_is_w304():
    other = {"name": "other", "action": "core.echo"}
    deploy = gated(wait_for={"inquiry": "{{ task.other.inquiry_id }}"})
    assert codes({"tasks": [other, deploy]}) == [
        ("W304-task-not-finished", WARNING, "/tasks/1/wait_for/inquiry")
    ]
    assert codes({"tasks": [ask("deploy"), gated()]}) == []


@pytest.mark.parametrize(
    "template, code",
    [
        ("{{ result().inquiry_id }}", "W306-transition-function-outside-transition"),
        ("{{ item }}", "W307-iteration-name-outside-with-items"),
        ("{{ task.missing.inquiry_id }}", "W305-unknown-task-result"),
        ("{{ parameters.__class__ }}", "W308-unsafe-template"),
        ("{% if true %}1{% endif %}", "W309-statement-not-allowed"),
    ],
)
def test_wait_for_template_is_checked_like_a_guard(template, code):
    found = codes({"tasks": [gated(wait_for={"inquiry": template})]})
    assert (code, ERROR, "/tasks/0/wait_for/inquiry") in found


def test_wait_for_template_checks_declared_parameters():
    definition = {"tasks": [gated(wait_for={"inquiry": "{{ parameters.inquiry }}"})]}
    found = [
        (d.code, d.path)
        for d in check_definition(definition, param_schema={"id": {"type": "integer"}}).diagnostics
    ]
    assert found == [("W303-undeclared-parameter", "/tasks/0/wait_for/inquiry")]
    assert check_definition(definition, param_schema={"inquiry": {"type": "integer"}}).diagnostics == []
