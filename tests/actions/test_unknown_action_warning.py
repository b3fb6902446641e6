"""W402: a task naming an action that does not exist is a warning beside the saved workflow."""

import pytest

from workflows.validation import check_definition

URL = "/api/v1/workflows"


def body(*tasks):
    return {
        "ref": "demo.flow",
        "pack_ref": "demo",
        "label": "Flow",
        "version": "1.0.0",
        "definition": {"version": "1.0.0", "tasks": list(tasks)},
    }


def warnings_of(response):
    assert response.status_code in (200, 201), response.content
    return [(w["code"], w["path"]) for w in response.json().get("warnings", [])]


def test_an_unknown_action_is_a_warning_and_the_workflow_is_saved(api_client, make_pack):
    make_pack("demo")
    response = api_client.post(URL, body({"name": "go", "action": "demo.nosuch"}), format="json")
    assert warnings_of(response) == [("W402-unknown-action", "/tasks/0/action")]
    (warning,) = response.json()["warnings"]
    assert (warning["severity"], warning["message"]) == (
        "warning",
        "No action 'demo.nosuch' exists (yet): load its pack before running this workflow.",
    )


def test_a_known_action_gives_no_warning(api_client, make_pack):
    make_pack("demo")
    response = api_client.post(URL, body({"name": "go", "action": "core.echo"}), format="json")
    assert warnings_of(response) == []


def test_a_nested_task_is_checked_too(api_client, make_pack):
    make_pack("demo")
    parallel = {
        "name": "both",
        "type": "parallel",
        "tasks": [{"name": "a", "action": "core.noop"}, {"name": "b", "action": "x.y"}],
    }
    response = api_client.post(URL, body(parallel), format="json")
    assert warnings_of(response) == [("W402-unknown-action", "/tasks/0/tasks/1/action")]


def test_a_workflow_task_is_not_an_action_ref(api_client, make_pack):
    make_pack("demo")
    response = api_client.post(
        URL, body({"name": "sub", "type": "workflow", "action": "demo.sub"}), format="json"
    )
    assert warnings_of(response) == [("W401-unknown-workflow", "/tasks/0/action")]


def test_an_update_of_the_definition_warns_as_well(api_client, make_workflow):
    make_workflow("demo.flow")
    definition = {"version": "1.0.0", "tasks": [{"name": "go", "action": "demo.gone"}]}
    response = api_client.put(f"{URL}/demo.flow", {"definition": definition}, format="json")
    assert warnings_of(response) == [("W402-unknown-action", "/tasks/0/action")]


@pytest.mark.parametrize("tasks", [10, 200])
def test_the_look_up_is_one_call_whatever_the_number_of_tasks(tasks):
    definition = {"version": "1.0.0", "tasks": [{"name": f"t{i}", "action": f"x.a{i}"} for i in range(tasks)]}
    asked = []

    def known(refs):
        asked.append(refs)
        return {"x.a0"}

    report = check_definition(definition, known_actions=known)
    assert len(asked) == 1 and len(asked[0]) == tasks
    assert len([d for d in report.warnings if d.code == "W402-unknown-action"]) == tasks - 1


def test_without_a_look_up_actions_are_not_checked():
    report = check_definition({"version": "1.0.0", "tasks": [{"name": "go", "action": "x.y"}]})
    assert report.warnings == []
