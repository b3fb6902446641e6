"""The workflow definition editor in the admin: YAML or JSON, located errors, the API's
warnings after save, links to the language reference, read-only pages for viewers, and the
notice on items a pack directory manages."""

import html
import json
import re

import pytest
from django.contrib.messages import SUCCESS, WARNING, get_messages
from django.test import Client

from actions.models import Action
from tests.test_admin import workflow_form
from workflows.models import Workflow

ADD_PAGE = "/admin/workflows/workflow/add/"
YAML_DEFINITION = "version: 1.0.0\ntasks:\n  - name: first\n    action: core.echo\n"


def change_page(workflow) -> str:
    return f"/admin/workflows/workflow/{workflow.pk}/change/"


def textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea {name}"
    return html.unescape(match.group(1)).strip("\n")


def messages_of(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def viewer(make_user):
    """A staff user with only the view permissions."""
    user = make_user("viewer", perms=["workflows.view_workflow", "actions.view_action", "packs.view_pack"])
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_add_form_starts_with_empty_editors_not_null(admin_browser, make_pack):
    page = admin_browser.get(ADD_PAGE).content.decode()
    for name in ("definition", "param_schema", "out_schema"):
        assert textarea(page, name) == ""
    assert "null" not in textarea(page, "definition")


def test_the_editor_textareas_get_line_numbers_from_a_local_script(admin_browser, make_pack):
    page = admin_browser.get(ADD_PAGE).content.decode()
    assert re.search(r'<textarea name="definition"[^>]*class="attune-code"', page)
    assert '<script src="/static/attune/code_editor.js" defer></script>' in page
    assert 'href="/static/attune/code_editor.css"' in page
    assert admin_browser.get("/static/attune/code_editor.js").status_code == 200


def test_a_definition_written_in_yaml_is_saved(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition=YAML_DEFINITION))
    assert response.status_code == 302
    assert Workflow.objects.get(ref="demo.new_flow").definition["tasks"][0]["name"] == "first"


def test_a_param_schema_written_in_yaml_is_saved(admin_browser, make_pack):
    pack = make_pack("demo")
    data = workflow_form(pack, param_schema="host:\n  type: string\n  required: true\n")
    assert admin_browser.post(ADD_PAGE, data).status_code == 302
    assert Workflow.objects.get(ref="demo.new_flow").param_schema == {
        "host": {"type": "string", "required": True}
    }


def test_a_yaml_syntax_error_names_its_line_and_column_and_keeps_the_text(admin_browser, make_pack):
    pack = make_pack("demo")
    broken = "version: 1.0.0\ntasks: []\nnot: valid: here\n"
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition=broken))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not valid YAML or JSON: line 3, column 11: mapping values are not allowed" in page
    assert textarea(page, "definition") == broken.rstrip("\n")  # shown again as typed
    assert not Workflow.objects.filter(ref="demo.new_flow").exists()


def test_a_yaml_error_at_line_3_column_5_says_so(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition="a: 1\nb: 2\nc: d: e\n"))
    assert "line 3, column 5" in response.content.decode()
    assert not Workflow.objects.exists()


def test_a_json_syntax_error_names_its_line_and_column(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post(
        ADD_PAGE, workflow_form(pack, definition='{\n  "tasks": [\n    {"name": "a",,}\n')
    )
    assert re.search(r"Not valid YAML or JSON: line \d+, column \d+", response.content.decode())
    assert not Workflow.objects.exists()


def test_a_duplicate_key_is_an_error_with_its_line(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post(
        ADD_PAGE, workflow_form(pack, definition=YAML_DEFINITION + "version: 2.0.0\n")
    )
    assert (
        "line 5, column 1: duplicate key &#x27;version&#x27; (first defined on line 1)"
        in response.content.decode()
    )


def test_an_empty_definition_is_required_not_null(admin_browser, make_pack):
    pack = make_pack("demo")
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition="  \n"))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Workflow.objects.exists()


def test_a_validation_error_is_located_on_its_yaml_line(admin_browser, make_pack):
    pack = make_pack("demo")
    definition = (
        "version: 1.0.0\ntasks:\n  - name: first\n    action: core.echo\n    next:\n      - do: [nowhere]\n"
    )
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition=definition))
    page = response.content.decode()
    assert re.search(r"line 6, column \d+: W101-unknown-task", page), page
    assert not Workflow.objects.exists()


def test_an_unknown_sub_workflow_gives_the_apis_w401_warning_after_save(admin_browser, make_pack):
    pack = make_pack("demo")
    definition = "version: 1.0.0\ntasks:\n  - name: child\n    type: workflow\n    action: demo.missing\n"
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition=definition))
    assert response.status_code == 302
    found = messages_of(response)
    assert (
        WARNING,
        "Warning: line 5, column 13: W401-unknown-workflow at /tasks/0/action: "
        "No workflow 'demo.missing' exists (yet): load it before running this one.",
    ) in found, found
    assert any(level == SUCCESS and "demo.new_flow" in text for level, text in found)  # the ref as written
    assert Workflow.objects.filter(ref="demo.new_flow").exists()


def test_a_known_sub_workflow_gives_no_warning(admin_browser, make_workflow):
    existing = make_workflow("demo.child")
    definition = "version: 1.0.0\ntasks:\n  - name: child\n    type: workflow\n    action: demo.child\n"
    response = admin_browser.post(ADD_PAGE, workflow_form(existing.pack, definition=definition))
    assert response.status_code == 302
    assert not [text for level, text in messages_of(response) if level == WARNING]


def test_an_unknown_action_gives_the_apis_w402_warning_after_save(admin_browser, make_pack):
    pack = make_pack("demo")
    definition = "version: 1.0.0\ntasks:\n  - name: first\n    action: demo.nothing_here\n"
    response = admin_browser.post(ADD_PAGE, workflow_form(pack, definition=definition))
    assert response.status_code == 302
    assert any("W402-unknown-action" in text for level, text in messages_of(response) if level == WARNING)


def test_the_editor_links_the_language_reference_and_the_schema_and_both_open(admin_browser, make_pack):
    page = admin_browser.get(ADD_PAGE).content.decode()
    assert 'href="/admin/reference/workflow-language/"' in page
    assert 'href="/api/v1/workflows/schema"' in page
    reference = admin_browser.get("/admin/reference/workflow-language/")
    assert reference.status_code == 200
    assert "The workflow language" in reference.content.decode()
    schema = admin_browser.get("/api/v1/workflows/schema")  # from the admin session, no token
    assert schema.status_code == 200 and "$schema" in schema.json()


def test_the_language_reference_is_for_staff_only(client, make_pack):
    response = client.get("/admin/reference/workflow-language/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_language_schema_still_refuses_an_anonymous_request(client):
    assert client.get("/api/v1/workflows/schema").status_code == 401


# --- Read-only viewers --------------------------------------------------------------------------


def test_a_viewer_sees_the_definition_pretty_printed_in_a_pre(viewer, make_workflow):
    workflow = make_workflow("demo.flow", param_schema={"host": {"type": "string"}})
    response = viewer.get(change_page(workflow))
    page = response.content.decode()
    assert response.status_code == 200
    workflow.refresh_from_db()  # as stored: PostgreSQL's jsonb orders the keys its own way
    pretty = html.escape(json.dumps(workflow.definition, indent=2))
    assert f'<pre class="attune-readonly">{pretty}</pre>' in page
    assert (
        '<pre class="attune-readonly">{\n  &quot;host&quot;: {\n    &quot;type&quot;: &quot;string&quot;\n  }\n}</pre>'
        in page
    )
    assert '<textarea name="definition"' not in page
    assert "definition-help" not in page  # no editing help on a page that cannot be edited


def test_a_viewer_cannot_save_a_definition(viewer, make_workflow):
    workflow = make_workflow("demo.flow")
    response = viewer.post(change_page(workflow), {"definition": YAML_DEFINITION, "label": "x"})
    assert response.status_code == 403
    workflow.refresh_from_db()
    assert workflow.label == "Flow"


def test_an_editor_still_gets_the_textarea(admin_browser, make_workflow):
    workflow = make_workflow("demo.flow")
    page = admin_browser.get(change_page(workflow)).content.decode()
    assert textarea(page, "definition").startswith("{\n  ")
    assert "&quot;tasks&quot;" not in "".join(
        re.findall(r'<pre class="attune-readonly">.*?</pre>', page, re.S)
    )


def test_a_viewer_sees_an_action_file_with_its_indentation(viewer, make_pack):
    pack = make_pack("demo")
    text = "ref: demo.act\nparameters:\n  host:\n    type: string\n"
    action = Action.objects.create(
        ref="demo.act", pack=pack, label="Act", runner_type="local", entry_point="run.sh", source_text=text
    )
    page = viewer.get(f"/admin/actions/action/{action.pk}/change/").content.decode()
    assert (
        '<pre class="attune-readonly">ref: demo.act\nparameters:\n  host:\n    type: string\n</pre>' in page
    )


def test_a_viewer_sees_a_manifest_with_its_indentation(viewer, make_pack):
    pack = make_pack("demo", manifest_text="ref: demo\nmeta:\n  owner: ops\n")
    page = viewer.get(f"/admin/packs/pack/{pack.pk}/change/").content.decode()
    assert '<pre class="attune-readonly">ref: demo\nmeta:\n  owner: ops\n</pre>' in page


# --- Action fields ------------------------------------------------------------------------------


def action_form(pack, **overrides) -> dict:
    data = {
        "ref": "demo.greet",
        "pack": pack.pk,
        "label": "Greet",
        "description": "",
        "enabled": "on",
        "runner_type": "shell",
        "entry_point": "greet.sh",
        "parameters": "",
        "output": "",
        "parameter_delivery": "stdin",
        "parameter_format": "json",
        "output_format": "text",
        "timeout": "",
        "tags": "",
    }
    return {**data, **overrides}


def test_action_parameters_written_in_yaml_are_saved(admin_browser, make_pack):
    pack = make_pack("demo")
    data = action_form(pack, parameters="name:\n  type: string\n  required: true\n")
    response = admin_browser.post("/admin/actions/action/add/", data)
    assert response.status_code == 302, response.content.decode()
    action = Action.objects.get(ref="demo.greet")
    assert action.parameters == {"name": {"type": "string", "required": True}}
    assert action.output is None


def test_blank_action_parameters_are_no_parameters_not_null(admin_browser, make_pack):
    pack = make_pack("demo")
    assert admin_browser.post("/admin/actions/action/add/", action_form(pack)).status_code == 302
    assert Action.objects.get(ref="demo.greet").parameters == {}


def test_a_yaml_error_in_action_parameters_names_its_line(admin_browser, make_pack):
    pack = make_pack("demo")
    data = action_form(pack, parameters="name:\n  type: string\n  bad: x: y\n")
    response = admin_browser.post("/admin/actions/action/add/", data)
    assert response.status_code == 200
    assert "Not valid YAML or JSON: line 3, column 9" in response.content.decode()
    assert not Action.objects.filter(ref="demo.greet").exists()


def test_the_action_add_form_starts_without_null(admin_browser, make_pack):
    page = admin_browser.get("/admin/actions/action/add/").content.decode()
    assert textarea(page, "output") == ""
    assert textarea(page, "parameters") == "{}"
