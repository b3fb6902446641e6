"""Running a workflow from its admin page: a form built from param_schema, judged by the
service the API calls, as the user who submits it."""

import re

import pytest
from django.test import Client

from executions.models import Execution, Kind, Status, WorkflowExecution

SCHEMA = {
    "host": {"type": "string", "required": True, "description": "Where to connect."},
    "port": {"type": "integer", "default": 22, "minimum": 1, "maximum": 65535},
    "ratio": {"type": "number"},
    "verbose": {"type": "boolean", "default": True},
    "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
    "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
    "extra": {"type": "object"},
    "token": {"type": "string", "secret": True, "minLength": 12},
}
VALID = {"host": "db1", "port": "2222", "ratio": "0.5", "verbose": "on", "mode": '"fast"',
         "tags": '["x", "y"]', "extra": '{"k": 1}', "token": "hunter22hunter22"}  # fmt: skip


@pytest.fixture(autouse=True)
def _scheduled_only(settings):
    """A start only schedules its first task runs: no worker runs them here."""
    settings.ATTUNE_ENGINE_TRANSPORT = "embedded"


@pytest.fixture
def workflow(make_workflow):
    return make_workflow("demo.deploy", param_schema=SCHEMA)


def change_url(workflow) -> str:
    return f"/admin/workflows/workflow/{workflow.pk}/change/"


def run_url(workflow) -> str:
    return f"/admin/workflows/workflow/{workflow.pk}/run/"


def inputs(page: str) -> dict[str, str]:
    """{name: type} of the page's inputs, `select` and `textarea` by their tag."""
    found = {}
    for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", page):
        name = re.search(r'name="([^"]+)"', attrs)
        kind = re.search(r'type="([^"]+)"', attrs)
        if name:
            found[name.group(1)] = kind.group(1) if tag == "input" and kind else tag
    return found


def staff(make_user, *perms):
    user = make_user("staff-" + "-".join(p.split(".")[1] for p in perms), perms=perms)
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_change_page_has_a_run_button(admin_browser, workflow):
    page = admin_browser.get(change_url(workflow)).content.decode()
    assert f'href="{run_url(workflow)}"' in page and "Run…" in page


def test_the_form_has_a_field_per_parameter_by_type(admin_browser, workflow):
    response = admin_browser.get(run_url(workflow))
    assert response.status_code == 200
    fields = inputs(response.content.decode())
    fields.pop("csrfmiddlewaretoken")
    assert fields == {
        "host": "text", "port": "number", "ratio": "number", "verbose": "checkbox", "mode": "select",
        "tags": "textarea", "extra": "textarea", "token": "password",
    }  # fmt: skip


def test_the_form_shows_defaults_enums_bounds_required_and_descriptions(admin_browser, workflow):
    page = admin_browser.get(run_url(workflow)).content.decode()
    assert re.search(r'<input type="number" name="port" value="22"[^>]*min="1"', page)
    assert re.search(r'name="port"[^>]*max="65535"', page)
    assert re.search(r'<input type="checkbox" name="verbose"[^>]*checked', page)
    assert '<option value="&quot;safe&quot;" selected>safe</option>' in page
    assert '<option value="&quot;fast&quot;">fast</option>' in page
    assert "[&quot;a&quot;]</textarea>" in page
    assert re.search(r'<input type="text" name="host"[^>]*required', page)
    assert not re.search(r'name="port"[^>]*required', page)  # its default applies when empty
    assert "Where to connect." in page


def test_a_valid_post_starts_the_workflow_as_the_user(admin_browser, workflow):
    response = admin_browser.post(run_url(workflow), VALID)
    execution = Execution.objects.get(parent=None)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/executions/execution/{execution.id}/change/"
    assert (execution.kind, execution.status, execution.workflow) == (Kind.WORKFLOW, Status.RUNNING, workflow)
    assert execution.executor.username == "boss"
    assert execution.input == {
        "host": "db1", "port": 2222, "ratio": 0.5, "verbose": True, "mode": "fast",
        "tags": ["x", "y"], "extra": {"k": 1}, "token": "hunter22hunter22",
    }  # fmt: skip
    assert execution.config["token"] == "********"
    page = admin_browser.get(response["Location"]).content.decode()
    assert f"Started execution {execution.id}" in page and "hunter22hunter22" not in page


def test_empty_fields_take_their_defaults_and_an_unticked_box_is_false(admin_browser, workflow):
    admin_browser.post(run_url(workflow), {"host": "db1", "port": "", "mode": "", "tags": ""})
    assert Execution.objects.get(parent=None).input == {
        "host": "db1", "port": 22, "verbose": False, "mode": "safe", "tags": ["a"],
    }  # fmt: skip


def test_a_workflow_without_parameters_runs_from_an_empty_post(admin_browser, make_workflow):
    bare = make_workflow("demo.bare")
    assert "takes no parameters" in admin_browser.get(run_url(bare)).content.decode()
    assert admin_browser.post(run_url(bare), {}).status_code == 302
    assert Execution.objects.get(parent=None).input == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"host": ""}, "host", "This parameter is required."),
        ({"port": "many"}, "port", "Enter a whole number."),
        ({"port": "70000"}, "port", "70000 is greater than the maximum of 65535."),
        ({"ratio": "half"}, "ratio", "Enter a number."),
        ({"tags": '["x",'}, "tags", "Not valid JSON: line 1, column 6: Expecting value."),
        ({"tags": '{"x": 1}'}, "tags", "{&#x27;x&#x27;: 1} is not of type &#x27;array&#x27;."),
        ({"tags": '["x", 7]'}, "tags", "1: 7 is not of type &#x27;string&#x27;."),
        ({"extra": "{\n  'k': 1}"}, "extra", "Not valid JSON: line 2, column 3: Expecting property name"),
        ({"mode": '"reckless"'}, "mode", "Select a valid choice."),
    ],
)
def test_an_invalid_post_shows_the_error_on_its_field_and_creates_nothing(
    admin_browser, workflow, change, field, message
):
    response = admin_browser.post(run_url(workflow), {**VALID, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(response.context["form"].errors) == [field]
    assert not Execution.objects.exists() and not WorkflowExecution.objects.exists()


def test_a_secret_is_not_echoed_when_the_form_comes_back(admin_browser, workflow):
    response = admin_browser.post(run_url(workflow), {**VALID, "token": "shhh-secret", "host": ""})
    page = response.content.decode()
    assert response.status_code == 200 and set(response.context["form"].errors) == {"host", "token"}
    assert "shhh-secret" not in page and "not shown: it is secret" in page
    assert re.search(r'<input type="password" name="token"(?![^>]*value=)[^>]*>', page)
    assert 'value="db1"' not in page and 'value="2222"' in page  # other values do come back
    assert not Execution.objects.exists()


def test_a_disabled_workflow_is_refused_and_creates_nothing(admin_browser, make_workflow):
    disabled = make_workflow("demo.off", param_schema=SCHEMA, enabled=False)
    assert "This workflow is disabled" in admin_browser.get(run_url(disabled)).content.decode()
    response = admin_browser.post(run_url(disabled), VALID)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Workflow 'demo.off' is disabled"]
    assert not Execution.objects.exists()


def test_running_needs_the_execute_permission(make_user, workflow):
    viewer = staff(make_user, "workflows.view_workflow")
    assert viewer.get(run_url(workflow)).status_code == 403
    assert viewer.post(run_url(workflow), VALID).status_code == 403
    assert f'href="{run_url(workflow)}"' not in viewer.get(change_url(workflow)).content.decode()
    assert not Execution.objects.exists()


def test_running_also_needs_to_see_the_workflow(make_user, workflow):
    runner = staff(make_user, "executions.add_execution")
    assert runner.post(run_url(workflow), VALID).status_code == 403
    assert not Execution.objects.exists()


def test_a_user_with_both_permissions_runs_it(make_user, workflow):
    runner = staff(make_user, "workflows.view_workflow", "executions.add_execution")
    assert f'href="{run_url(workflow)}"' in runner.get(change_url(workflow)).content.decode()
    assert runner.post(run_url(workflow), VALID).status_code == 302
    assert Execution.objects.get(parent=None).executor.username == "staff-view_workflow-add_execution"


def test_an_unknown_workflow_is_a_404(admin_browser):
    assert admin_browser.get("/admin/workflows/workflow/999999/run/").status_code == 404


JSON_SCHEMA = {
    "type": "object",
    "properties": {
        "count": {"type": ["integer", "null"], "enum": [1, 2, 3], "default": 2},
        "password": {"type": "string", "writeOnly": True, "default": "s3cret-default"},
        "anything": {"description": "No type: any JSON value."},
    },
    "required": ["anything"],
}


def test_a_json_schema_param_schema_builds_the_same_kinds_of_field(admin_browser, make_workflow):
    flow = make_workflow("demo.json_schema", param_schema=JSON_SCHEMA)
    page = admin_browser.get(run_url(flow)).content.decode()
    fields = inputs(page)
    fields.pop("csrfmiddlewaretoken")
    assert fields == {"count": "select", "password": "password", "anything": "textarea"}
    assert '<option value="2" selected>2</option>' in page
    assert "s3cret-default" not in page  # a secret's default is not shown either
    assert re.search(r'<textarea name="anything"[^>]*required', page)


def test_enum_values_come_back_as_json_and_a_blank_secret_takes_its_default(admin_browser, make_workflow):
    flow = make_workflow("demo.json_schema", param_schema=JSON_SCHEMA)
    response = admin_browser.post(run_url(flow), {"count": "3", "password": "", "anything": '"text"'})
    assert response.status_code == 302
    execution = Execution.objects.get(parent=None)
    assert execution.input == {"count": 3, "password": "s3cret-default", "anything": "text"}
    assert execution.config["password"] == "********"


def test_a_required_untyped_value_left_empty_is_the_services_error(admin_browser, make_workflow):
    flow = make_workflow("demo.json_schema", param_schema=JSON_SCHEMA)
    response = admin_browser.post(run_url(flow), {"count": "", "anything": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"anything": ["This parameter is required."]}
    assert not Execution.objects.exists()
