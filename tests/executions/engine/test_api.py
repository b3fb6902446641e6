"""Workflows over the API: execute by ref (or companion action), the 400s that create nothing,
task runs under ?parent=, the per-task state, cancellation."""

from executions.models import Execution, Kind, Status, WorkflowExecution
from tests.conftest import assert_error

URL = "/api/v1/executions/execute"
TWO_STEPS = """
tasks:
  - name: first
    action: core.echo
    input: {message: "count={{ parameters.count }}"}
    next:
      - when: "{{ succeeded() }}"
        do: [second]
  - name: second
    action: core.noop
"""
SCHEMA = {"count": {"type": "integer", "default": 3}, "label": {"type": "string"}}


def execute(api_client, capture, ref, parameters=None, **fields):
    with capture(execute=True):
        return api_client.post(
            URL, {"action_ref": ref, "parameters": parameters or {}, **fields}, format="json"
        )


def test_execute_with_a_workflow_ref_runs_the_workflow(flow, api_client, django_capture_on_commit_callbacks):
    flow(TWO_STEPS, param_schema=SCHEMA)
    response = execute(api_client, django_capture_on_commit_callbacks, "demo.flow", {"label": "x"})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["action_ref"], data["config"]) == ("demo.flow", {"count": 3, "label": "x"})
    execution = Execution.objects.get(pk=data["id"])
    assert (execution.kind, execution.status) == (Kind.WORKFLOW, Status.COMPLETED), execution.result
    runs = api_client.get("/api/v1/executions", {"parent": execution.id}).json()["items"]
    assert sorted((run["action_ref"], run["status"]) for run in runs) == [
        ("core.echo", "completed"),
        ("core.noop", "completed"),
    ]
    first = Execution.objects.get(parent=execution, task_name="first")
    assert first.result["stdout"] == "count=3"
    assert first.workflow_task["workflow_execution"] == execution.id
    assert (first.workflow_task["retry_count"], first.workflow_task["timed_out"]) == (0, False)


def test_a_workflow_parameter_of_the_wrong_type_is_a_400_and_creates_nothing(
    flow, api_client, django_capture_on_commit_callbacks
):
    flow(TWO_STEPS, param_schema=SCHEMA)
    response = execute(api_client, django_capture_on_commit_callbacks, "demo.flow", {"count": "many"})
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "parameters.count" in body["details"]
    assert not Execution.objects.exists() and not WorkflowExecution.objects.exists()


def test_a_missing_required_workflow_parameter_is_a_400(flow, api_client, django_capture_on_commit_callbacks):
    flow(TWO_STEPS, param_schema={"host": {"type": "string", "required": True}})
    body = assert_error(
        execute(api_client, django_capture_on_commit_callbacks, "demo.flow"), 400, "VALIDATION_ERROR"
    )
    assert "parameters.host" in body["details"] or "host" in str(body["details"])
    assert not Execution.objects.exists()


def test_a_disabled_workflow_is_a_400(flow, api_client, django_capture_on_commit_callbacks):
    flow(TWO_STEPS, enabled=False)
    body = assert_error(
        execute(api_client, django_capture_on_commit_callbacks, "demo.flow"), 400, "BAD_REQUEST"
    )
    assert "disabled" in body["error"]
    assert not Execution.objects.exists()


def test_action_run_options_are_refused_for_a_workflow(flow, api_client, django_capture_on_commit_callbacks):
    flow(TWO_STEPS)
    response = execute(
        api_client, django_capture_on_commit_callbacks, "demo.flow", timeout_seconds=5, env_vars={"A": "b"}
    )
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert {"timeout_seconds", "env_vars"} <= set(body["details"])
    assert not Execution.objects.exists()


def test_an_unknown_ref_is_still_a_404(api_client, django_capture_on_commit_callbacks):
    assert_error(execute(api_client, django_capture_on_commit_callbacks, "demo.nothing"), 404, "NOT_FOUND")


def test_the_companion_action_starts_its_workflow(
    flow, make_action, api_client, django_capture_on_commit_callbacks
):
    workflow = flow(TWO_STEPS)
    make_action("demo.flow_action", runner_type="workflow", entry_point="", workflow=workflow)
    response = execute(api_client, django_capture_on_commit_callbacks, "demo.flow_action")
    assert response.status_code == 201, response.content
    execution = Execution.objects.get(pk=response.json()["data"]["id"])
    assert (execution.kind, execution.workflow_id, execution.status) == ("workflow", workflow.id, "completed")


def test_cancelling_a_finished_workflow_is_a_409(flow, api_client, django_capture_on_commit_callbacks):
    flow(TWO_STEPS)
    execution_id = execute(api_client, django_capture_on_commit_callbacks, "demo.flow").json()["data"]["id"]
    assert_error(api_client.post(f"/api/v1/executions/{execution_id}/cancel"), 409, "CONFLICT")


def test_the_tasks_view_shows_each_task_state_and_masks_secrets(
    flow, api_client, django_capture_on_commit_callbacks
):
    flow(
        """
tasks:
  - name: use
    action: core.noop
    next: [{publish: [{kept: "{{ parameters.token }}"}], do: [later]}]
  - name: later
    action: core.noop
    when: "{{ false }}"
""",
        param_schema={"token": {"type": "string", "secret": True}},
    )
    execution_id = execute(
        api_client, django_capture_on_commit_callbacks, "demo.flow", {"token": "s3cr3t"}
    ).json()["data"]["id"]
    response = api_client.get(f"/api/v1/executions/{execution_id}/tasks")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["status"] == "completed"
    assert [(task["name"], task["status"], task["activations"]) for task in data["tasks"]] == [
        ("use", "succeeded", 1),
        ("later", "skipped", 1),
    ]
    assert data["variables"] == {"kept": "********"}
    assert "s3cr3t" not in response.content.decode()


def test_the_tasks_view_of_an_action_run_is_a_404(api_client, make_execution):
    run = make_execution()
    assert_error(api_client.get(f"/api/v1/executions/{run.id}/tasks"), 404, "NOT_FOUND")
