"""Attune's task keys this server cannot honour yet, and W006 messages that say what is valid.

`wait_for` runs here now: tests/workflows/test_wait_for.py.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from workflows.models import Workflow
from workflows.validation import WORKFLOW_SCHEMA, check_definition
from workflows.validation.diagnostics import ERROR, WARNING

URL = "/api/v1/workflows"


def task(**keys):
    return {"name": "a", "action": "core.echo", **keys}


def codes(definition) -> list[tuple[str, str, str]]:
    return [(d.code, d.severity, d.path) for d in check_definition(definition).diagnostics]


def test_iterate_cache_is_an_error_naming_data_caches():
    report = check_definition({"tasks": [task(iterate_cache={"namespace": "users", "page_size": 10})]})
    (diagnostic,) = report.diagnostics
    assert (diagnostic.code, diagnostic.severity) == ("W602-iterate-cache-not-supported", ERROR)
    assert "Data Cache" in diagnostic.message


def test_iterate_cache_needs_its_namespace():
    assert codes({"tasks": [task(iterate_cache={"generation": "active"})]}) == [
        ("W003-missing-key", ERROR, "/tasks/0/iterate_cache")
    ]


@pytest.mark.parametrize("value", ["standard", ["standard", "ops.reader"], "{{ parameters.sets }}"])
def test_permission_set_refs_are_stored_with_a_warning(value):
    report = check_definition({"tasks": [task(permission_set_refs=value)]})
    assert [(d.code, d.severity) for d in report.diagnostics] == [
        ("W603-permission-sets-not-applied", WARNING)
    ]
    assert report.definition["tasks"][0]["permission_set_refs"] == value


def test_the_permission_set_ref_alias_is_renamed_and_reported_where_written():
    report = check_definition({"tasks": [task(permission_set_ref="standard")]})
    assert report.definition["tasks"][0] == {**task(), "permission_set_refs": "standard"}
    assert [d.path for d in report.diagnostics] == ["/tasks/0/permission_set_ref"]


def test_a_key_and_its_alias_together_are_an_error():
    found = codes({"tasks": [task(permission_set_refs=["a"], permission_set_ref="b")]})
    assert ("W123-key-and-alias", ERROR, "/tasks/0/permission_set_ref") in found


def test_attune_keys_in_nested_parallel_tasks_are_found():
    nested = {"name": "p", "type": "parallel", "tasks": [task(iterate_cache={"namespace": "users"})]}
    assert codes({"tasks": [nested]}) == [
        ("W602-iterate-cache-not-supported", ERROR, "/tasks/0/tasks/0/iterate_cache")
    ]


def test_a_workflow_without_attune_keys_gets_no_attune_diagnostic():
    assert codes({"tasks": [task()]}) == []


def test_the_api_stores_permission_set_refs_and_returns_the_warning(api_client, make_pack):
    make_pack("ops")
    body = {
        "ref": "ops.rollout",
        "pack_ref": "ops",
        "label": "Rollout",
        "version": "1.0",
        "definition": {"tasks": [task(permission_set_ref=["standard"])]},
    }
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert [w["code"] for w in response.json()["warnings"]] == ["W603-permission-sets-not-applied"]
    stored = Workflow.objects.get(ref="ops.rollout")
    assert stored.version == "1.0"
    assert stored.definition["tasks"][0]["permission_set_refs"] == ["standard"]


# --- W006 says what a valid value is ------------------------------------------------------


@pytest.mark.parametrize(
    "bad_task, message",
    [
        (
            task(on_success=[{"when": "{{ succeeded() }}", "do": "b"}]),
            "`on_success` takes a task name or a list of task names; conditions go in `next`",
        ),
        (
            task(concurrency=500, with_items="{{ [1] }}"),
            "`concurrency` takes an integer from 1 to 100 (got 500).",
        ),
        (task(timeout=-5), "`timeout` takes a number of seconds (an integer, 0 or more) or a template"),
        (task(publish=[{"a": 1, "b": 2}]), "Each `publish` entry is a variable name, or a mapping of one"),
        (task(retry={"count": 0}), "`count` takes an integer from 1 to 100 (got 0)."),
        ({"name": "", "action": "core.echo"}, "`name` takes a string of 1-255 characters (got '')."),
    ],
)
def test_an_invalid_value_message_says_what_is_valid(bad_task, message):
    (diagnostic,) = check_definition({"tasks": [bad_task]}).diagnostics
    assert diagnostic.code == "W006-invalid-value"
    assert message in diagnostic.message


def test_a_bad_vars_name_message_names_the_allowed_characters():
    (diagnostic,) = check_definition({"vars": {"bad name": 1}, "tasks": [task()]}).diagnostics
    assert diagnostic.message == "`vars` names use letters, digits, '_' and '-' only (got 'bad name')."


# --- the published schema ---------------------------------------------------------------


def test_the_docs_appendix_is_the_served_schema():
    page = (Path(settings.BASE_DIR) / "docs" / "workflow-language.md").read_text()
    appendix = page[page.index("## Appendix: the JSON Schema") :]
    shown = json.loads(re.search(r"```json\n(.*?)```", appendix, re.DOTALL).group(1))
    assert shown == WORKFLOW_SCHEMA
    assert shown["required"] == ["tasks"]
