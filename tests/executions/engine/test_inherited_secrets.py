"""A workflow's secret parameters stay secret in its task runs (docs/executions.md, "Secret
parameters"): a task run inherits the secret texts of the workflow executions above it, so
they are masked in its config, result, logs, task states and admin pages even when the
action's own parameter is not secret, while the action still gets the real value."""

import json

import pytest
from django.test import Client

from executions import service
from executions.models import Execution, ExecutionEvent, Inquiry, InquiryStatus, Kind, Status
from tests.executions.procs import wait_for

SECRET = "tok-5ecr3t-xyz"
SCHEMA = {"token": {"type": "string", "secret": True}, "who": {"type": "string", "default": "ops"}}
ADMIN = "/admin/executions/execution/"


def admin_browser(make_user) -> Client:
    user = make_user("auditor", superuser=True)
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def tree_of(execution) -> list[Execution]:
    """The execution and every run below it (nested workflows' runs included)."""
    rows, frontier = [execution], [execution.id]
    while frontier:
        children = list(Execution.objects.filter(parent_id__in=frontier).order_by("id"))
        rows += children
        frontier = [child.id for child in children if child.kind == Kind.WORKFLOW]
    return rows


def everything_shown(api_client, browser, execution) -> str:
    """What the API, the admin and the event log show of the execution's tree, as one text."""
    rows = tree_of(execution)
    shown = [
        api_client.get("/api/v1/executions", {"page_size": 100}).content.decode(),
        browser.get(ADMIN).content.decode(),
    ]
    for row in rows:
        for url in (f"/api/v1/executions/{row.id}", f"/api/v1/executions/{row.id}/logs/stdout"):
            response = api_client.get(url)
            assert response.status_code == 200, (url, response.content)
            shown.append(response.content.decode())
        shown.append(api_client.get(f"/api/v1/executions/{row.id}/logs/stderr").content.decode())
        shown.append(api_client.get("/api/v1/executions", {"parent": row.id}).content.decode())
        if row.kind == Kind.WORKFLOW and hasattr(row, "workflow_execution"):
            tasks = api_client.get(f"/api/v1/executions/{row.id}/tasks")
            assert tasks.status_code == 200, tasks.content
            shown.append(tasks.content.decode())
        page = browser.get(f"{ADMIN}{row.id}/change/")
        assert page.status_code == 200
        shown.append(page.content.decode())
        # The stored columns that are shown: masked when written, not only when read.
        shown.append(json.dumps([row.config, row.result]))
    shown.append(api_client.get("/api/v1/inquiries").content.decode())
    for inquiry in Inquiry.objects.all():
        shown.append(api_client.get(f"/api/v1/inquiries/{inquiry.id}").content.decode())
        shown.append(browser.get(f"/admin/executions/inquiry/{inquiry.id}/change/").content.decode())
    shown += [json.dumps(payload) for payload in ExecutionEvent.objects.values_list("payload", flat=True)]
    return "\n".join(shown)


def runs_of(execution, task):
    return list(Execution.objects.filter(parent=execution, task_name=task).order_by("item_index", "attempt"))


def test_a_secret_passed_to_a_task_is_masked_whole_and_inside_a_longer_string(
    flow, run_flow, api_client, make_user
):
    flow(
        """
tasks:
  - name: plain
    action: core.echo
    input: {message: "{{ parameters.token }}"}
    next: [{do: [header]}]
  - name: header
    action: core.echo
    input: {message: "Authorization: Bearer {{ parameters.token }} for {{ parameters.who }}"}
output_map: {said: "{{ task.header.stdout }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.COMPLETED, execution.result
    (plain,) = runs_of(execution, "plain")
    (header,) = runs_of(execution, "header")
    # The action got the real value; everything shown has it masked.
    assert plain.input == {"message": SECRET}
    assert header.input == {"message": f"Authorization: Bearer {SECRET} for ops"}
    assert plain.config == {"message": "********"}
    assert header.config == {"message": "Authorization: Bearer ******** for ops"}
    assert header.result["stdout"] == "Authorization: Bearer ******** for ops"
    detail = api_client.get(f"/api/v1/executions/{header.id}").json()["data"]
    assert detail["config"] == {"message": "Authorization: Bearer ******** for ops"}
    assert detail["result"]["stdout"] == "Authorization: Bearer ******** for ops"
    assert api_client.get(f"/api/v1/executions/{plain.id}/logs/stdout").content.decode() == "********"
    assert execution.result["said"] == "Authorization: Bearer ******** for ops"
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


def test_the_action_receives_the_real_secret_while_its_output_is_masked(flow, run_flow, tmp_path):
    written = tmp_path / "got.txt"
    flow(
        f"""
tasks:
  - name: write
    action: core.local
    input: {{cmd: "printf %s '{{{{ parameters.token }}}}' > {written}; echo 'seen {{{{ parameters.token }}}}' >&2"}}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.COMPLETED, execution.result
    assert written.read_text() == SECRET
    (run,) = runs_of(execution, "write")
    assert run.result["stderr"].strip() == "seen ********"
    assert SECRET not in run.config["cmd"] and "********" in run.config["cmd"]


def test_each_with_items_run_masks_the_workflows_secret(flow, run_flow, api_client, make_user):
    flow(
        """
tasks:
  - name: each
    action: core.echo
    with_items: [a, b, c]
    input: {message: "{{ item }}={{ parameters.token }}"}
output_map: {all: "{{ task.each.result }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.COMPLETED, execution.result
    runs = runs_of(execution, "each")
    assert [run.input["message"] for run in runs] == [f"{item}={SECRET}" for item in "abc"]
    assert [run.config["message"] for run in runs] == [f"{item}=********" for item in "abc"]
    assert [run.result["stdout"] for run in runs] == [f"{item}=********" for item in "abc"]
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


def test_a_retried_run_masks_the_workflows_secret_in_every_attempt_and_its_error(
    flow, run_flow, api_client, make_user
):
    flow(
        """
tasks:
  - name: login
    action: core.fail
    retry: {count: 1}
    input: {message: "login refused for key {{ parameters.token }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.FAILED
    runs = runs_of(execution, "login")
    assert [(run.attempt, run.status) for run in runs] == [(0, Status.FAILED), (1, Status.FAILED)]
    assert all(run.input == {"message": f"login refused for key {SECRET}"} for run in runs)
    assert all("login refused for key ********" in run.result["error"] for run in runs)
    browser = admin_browser(make_user)
    page = browser.get(f"{ADMIN}{execution.id}/change/").content.decode()
    assert "login refused for key ********" in page  # the task-runs table's error column
    assert SECRET not in everything_shown(api_client, browser, execution)


def test_a_nested_workflow_and_its_task_runs_inherit_the_parents_secret(
    flow, run_flow, api_client, make_user
):
    # The child's own parameter is not secret: only the parent knows the value is.
    flow(
        """
tasks:
  - name: use
    action: core.echo
    input: {message: "key={{ parameters.key }}"}
    next: [{publish: [{kept: "{{ parameters.key }}"}]}]
output_map: {echoed: "{{ task.use.stdout }}", kept: "{{ workflow.kept }}"}
""",
        name="child",
        param_schema={"key": {"type": "string"}},
    )
    flow(
        """
tasks:
  - name: nested
    type: workflow
    action: demo.child
    input: {key: "{{ parameters.token }}"}
output_map: {got: "{{ task.nested.echoed }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.COMPLETED, execution.result
    (child,) = runs_of(execution, "nested")
    assert child.kind == Kind.WORKFLOW and child.status == Status.COMPLETED, child.result
    assert child.input == {"key": SECRET}
    assert child.config == {"key": "********"}
    (use,) = runs_of(child, "use")
    assert use.input == {"message": f"key={SECRET}"}
    assert (use.config, use.result["stdout"]) == ({"message": "key=********"}, "key=********")
    child_tasks = api_client.get(f"/api/v1/executions/{child.id}/tasks").json()["data"]
    assert child_tasks["variables"]["kept"] == "********"
    assert api_client.get(f"/api/v1/executions/{child.id}").json()["data"]["result"]["kept"] == "********"
    assert execution.result["got"] == "key=********"
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


def test_a_task_refused_before_it_runs_masks_the_secret_in_its_config(
    flow, run_flow, api_client, make_user, make_action
):
    make_action("demo.off", entry_point="echo", enabled=False, parameters={"message": {"type": "string"}})
    flow(
        """
tasks:
  - name: gone
    action: demo.off
    input: {message: "{{ parameters.token }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.FAILED
    (run,) = runs_of(execution, "gone")
    assert run.status == Status.FAILED and "disabled" in run.result["error"]
    assert run.config == {"message": "********"}
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


def test_a_nested_workflow_refused_for_its_input_masks_the_secret_in_its_error(
    flow, run_flow, api_client, make_user
):
    flow("tasks: [{name: use, action: core.noop}]", name="child", param_schema={"count": {"type": "integer"}})
    flow(
        """
tasks:
  - name: nested
    type: workflow
    action: demo.child
    input: {count: "{{ parameters.token }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    assert execution.status == Status.FAILED
    (run,) = runs_of(execution, "nested")
    assert run.status == Status.FAILED and "count" in run.result["error"]
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


def test_an_inquiry_asked_with_the_workflows_secret_shows_it_masked(flow, run_flow, api_client, make_user):
    flow(
        """
tasks:
  - name: ask
    action: core.ask
    input:
      prompt: "Rotate key {{ parameters.token }}?"
      response_schema: {approved: {type: boolean, description: "rotate {{ parameters.token }}"}}
    next: [{do: [rotate]}]
  - name: rotate
    action: core.noop
    wait_for: {inquiry: "{{ task.ask.inquiry_id }}"}
""",
        param_schema=SCHEMA,
    )
    execution = run_flow("demo.flow", {"token": SECRET})
    inquiry = Inquiry.objects.get(execution__parent=execution)
    assert inquiry.status == InquiryStatus.PENDING
    assert inquiry.prompt == "Rotate key ********?"
    assert inquiry.schema["approved"]["description"] == "rotate ********"
    shown = api_client.get(f"/api/v1/inquiries/{inquiry.id}").json()["data"]
    assert shown["prompt"] == "Rotate key ********?"
    assert SECRET not in everything_shown(api_client, admin_browser(make_user), execution)


WORKER_CHAIN = """
tasks:
  - name: plain
    action: demo.echo
    input: {message: "{{ parameters.token }}"}
    next: [{do: [header]}]
  - name: header
    action: demo.echo
    input: {message: "Bearer {{ parameters.token }}"}
    next: [{do: [nested]}]
  - name: nested
    type: workflow
    action: demo.child
    input: {key: "{{ parameters.token }}"}
"""


@pytest.mark.django_db(transaction=True)
def test_real_workers_mask_the_workflows_secret_in_what_they_write(demo, fleet, flow, make_user):
    # The second task is handed off to the thread that ran the first; the third is nested.
    flow(
        'tasks: [{name: use, action: demo.echo, input: {message: "key={{ parameters.key }}"}}]', name="child"
    )
    flow(WORKER_CHAIN, param_schema=SCHEMA)
    execution = service.start_by_ref(
        "demo.flow", {"token": SECRET}, executor=make_user("runner", superuser=True)
    )
    fleet.worker()

    def done():
        execution.refresh_from_db()
        return execution.is_terminal

    wait_for(done, 20, "the workflow to finish")
    assert execution.status == Status.COMPLETED, execution.result
    (plain,) = runs_of(execution, "plain")
    (header,) = runs_of(execution, "header")
    (child,) = runs_of(execution, "nested")
    (use,) = runs_of(child, "use")
    assert [run.input["message"] for run in (plain, header, use)] == [
        SECRET,
        f"Bearer {SECRET}",
        f"key={SECRET}",
    ]
    assert [run.result["stdout"] for run in (plain, header, use)] == [
        "********",
        "Bearer ********",
        "key=********",
    ]
    stored = json.dumps([[row.config, row.result] for row in tree_of(execution)])
    assert SECRET not in stored
