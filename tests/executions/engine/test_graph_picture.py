"""GET /workflows/{ref}/graph.svg?execution=<id>: a run's task graph, each task coloured by state."""

import xml.etree.ElementTree as ET

import pytest

from executions import service
from executions.models import Execution, Kind, WorkflowExecution
from tests.conftest import assert_error, client_for
from workflows.models import Workflow

SVG = "{http://www.w3.org/2000/svg}"
MIXED = """
tasks:
  - name: start
    action: core.echo
    input: {message: hi}
    next:
      - when: "{{ succeeded() }}"
        do: [boom, maybe, each]
  - name: boom
    action: core.fail
    input: {message: nope}
    retry: {count: 1}
    next:
      - when: "{{ succeeded() }}"
        do: [never]
  - name: maybe
    action: core.noop
    when: "{{ false }}"
  - name: each
    action: core.echo
    with_items: "{{ ['a', 'b', 'c'] }}"
    input: {message: "{{ item }}"}
  - name: never
    action: core.noop
"""
STATES = {"start": "succeeded", "boom": "failed", "maybe": "skipped", "each": "succeeded", "never": "not_run"}


def parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - the picture our own code drew


def picture(client, ref="demo.flow", **params):
    return client.get(f"/api/v1/workflows/{ref}/graph.svg", params)


def task_nodes(response) -> dict[str, dict]:
    """Each task node of the SVG by name: its classes and its texts."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/svg+xml"
    nodes = {}
    for group in parse(response.content).iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "task" in classes:
            texts = [text.text for text in group.findall(f"{SVG}text")]
            nodes[texts[0]] = {"classes": classes, "texts": texts}
    return nodes


def state_classes(nodes: dict) -> dict[str, list[str]]:
    return {name: [c for c in node["classes"] if c.startswith("state-")] for name, node in nodes.items()}


@pytest.fixture
def mixed_run(flow, run_flow):
    flow(MIXED)
    return run_flow("demo.flow")


def test_each_task_node_has_the_class_of_its_state(mixed_run, api_client):
    nodes = task_nodes(picture(api_client, execution=mixed_run.id))
    assert state_classes(nodes) == {name: [f"state-{status}"] for name, status in STATES.items()}


def test_it_shows_attempts_and_items_when_more_than_one(mixed_run, api_client):
    nodes = task_nodes(picture(api_client, execution=mixed_run.id))
    assert nodes["boom"]["texts"][2] == "\u00d72 attempts"
    assert nodes["each"]["texts"][2] == "3/3 items"
    assert [len(nodes[name]["texts"]) for name in ("start", "maybe", "never")] == [2, 2, 2]


def test_it_defines_the_state_colours_and_a_legend(mixed_run, api_client):
    root = parse(picture(api_client, execution=mixed_run.id).content)
    style = root.find(f"{SVG}style").text
    for status in ("succeeded", "failed", "timed_out", "skipped", "running", "waiting_join",
                   "waiting_inquiry", "not_run", "pending", "cancelled"):  # fmt: skip
        assert f".state-{status} rect{{fill:#" in style
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend states")
    labels = [text.text for text in legend.iter(f"{SVG}text")]
    assert labels == [
        "succeeded", "failed", "timed out", "skipped", "running", "waiting", "not run", "pending", "cancelled",
    ]  # fmt: skip


def test_without_execution_the_picture_has_no_states(mixed_run, api_client):
    response = picture(api_client)
    assert state_classes(task_nodes(response)) == {name: [] for name in STATES}
    assert parse(response.content).find(f"{SVG}style") is None


def test_it_draws_the_definition_the_execution_snapshotted(mixed_run, api_client):
    Workflow.objects.filter(ref="demo.flow").update(
        definition={"version": "1.0.0", "tasks": [{"name": "renamed", "action": "core.noop"}]}
    )
    assert set(task_nodes(picture(api_client, execution=mixed_run.id))) == set(STATES)
    assert set(task_nodes(picture(api_client))) == {"renamed"}


def test_a_task_not_started_yet_is_pending(mixed_run, api_client):
    WorkflowExecution.objects.filter(pk=mixed_run.id).update(state={"tasks": {}})
    nodes = task_nodes(picture(api_client, execution=mixed_run.id))
    assert state_classes(nodes) == {name: ["state-pending"] for name in STATES}


@pytest.mark.parametrize("raw", ["abc", "", "1.5", "-1", "0", " 1", "1e3", str(2**63), "9" * 40])
def test_an_execution_that_is_not_an_id_is_a_400(mixed_run, api_client, raw):
    body = assert_error(picture(api_client, execution=raw), 400, "VALIDATION_ERROR")
    assert "execution" in body["details"]


def test_an_unknown_execution_is_a_404(mixed_run, api_client):
    assert_error(picture(api_client, execution=mixed_run.id + 1000), 404, "NOT_FOUND")


def test_another_workflows_execution_is_a_404(mixed_run, flow, api_client):
    flow(MIXED, name="other")
    assert task_nodes(picture(api_client, "demo.other"))  # the workflow itself exists
    assert_error(picture(api_client, "demo.other", execution=mixed_run.id), 404, "NOT_FOUND")


def test_a_task_run_is_not_a_workflow_execution_a_404(mixed_run, api_client):
    task_run = Execution.objects.filter(parent=mixed_run, task_name="start").get()
    assert_error(picture(api_client, execution=task_run.id), 404, "NOT_FOUND")


def test_an_action_execution_is_a_404(mixed_run, api_client):
    action_run = service.start_by_ref("core.noop", {})
    assert action_run.kind == Kind.ACTION
    assert_error(picture(api_client, execution=action_run.id), 404, "NOT_FOUND")


def test_an_unknown_workflow_with_an_execution_is_a_404(mixed_run, api_client):
    body = assert_error(picture(api_client, "demo.nothing", execution=mixed_run.id), 404, "NOT_FOUND")
    assert "demo.nothing" in body["error"]


def test_an_anonymous_request_is_a_401(mixed_run, anon_client):
    assert_error(picture(anon_client, execution=mixed_run.id), 401, "UNAUTHORIZED")


def test_a_user_who_may_read_executions_may_see_the_picture(mixed_run, make_user):
    # Reads of executions need an active user only (docs/authentication.md#permissions):
    # whoever may read /executions/{id}/tasks sees the same states in the picture.
    reader = client_for(make_user("reader"))
    assert reader.get(f"/api/v1/executions/{mixed_run.id}/tasks").status_code == 200
    assert state_classes(task_nodes(picture(reader, execution=mixed_run.id)))["boom"] == ["state-failed"]


def test_an_inactive_user_is_refused(mixed_run, make_user):
    client = client_for(make_user("gone", active=False))
    assert_error(picture(client, execution=mixed_run.id), 401, "UNAUTHORIZED")


def test_the_picture_takes_three_queries(mixed_run, api_client, django_assert_num_queries):
    # The user (token), the workflow by ref, the execution's snapshot and state.
    with django_assert_num_queries(3):
        task_nodes(picture(api_client, execution=mixed_run.id))


# Fired transitions -------------------------------------------------------------------------

TWO_WAYS = """
tasks:
  - name: try
    action: core.fail
    input: {message: nope}
    next:
      - when: "{{ succeeded() }}"
        do: [after]
      - when: "{{ failed() }}"
        publish: [{reason: "failed"}]
        do: [after]
  - name: after
    action: core.noop
"""


def edge_classes(response) -> list[tuple[str, str, list[str]]]:
    assert response.status_code == 200, response.content
    root = parse(response.content)
    return [
        (g.get("data-from"), g.get("data-to"), g.get("class").split())
        for g in root.iter(f"{SVG}g")
        if "edge" in g.get("class", "").split()
    ]


def test_the_transitions_that_fired_are_drawn_thick(mixed_run, api_client):
    edges = edge_classes(picture(api_client, execution=mixed_run.id))
    fired = {(source, target) for source, target, classes in edges if "fired" in classes}
    # start succeeded: its one transition fired; boom failed, so its succeeded() one did not.
    assert fired == {("start", "boom"), ("start", "maybe"), ("start", "each")}
    assert ("boom", "never", ["edge", "edge-success"]) in edges


def test_of_two_transitions_to_the_same_task_only_the_one_taken_is_fired(flow, run_flow, api_client):
    flow(TWO_WAYS)
    run = run_flow("demo.flow")
    assert edge_classes(picture(api_client, execution=run.id)) == [
        ("try", "after", ["edge", "edge-success"]),
        ("try", "after", ["edge", "edge-failure", "fired"]),
    ]


def test_the_task_states_name_the_transitions_that_fired(flow, run_flow, api_client):
    flow(TWO_WAYS)
    run = run_flow("demo.flow")
    tasks = api_client.get(f"/api/v1/executions/{run.id}/tasks").json()["data"]["tasks"]
    assert {task["name"]: task["fired"] for task in tasks} == {"try": [1], "after": []}


def test_without_execution_no_edge_is_fired(flow, api_client):
    flow(TWO_WAYS)
    assert [classes for _s, _t, classes in edge_classes(picture(api_client))] == [
        ["edge", "edge-success"],
        ["edge", "edge-failure"],
    ]


def test_the_execution_picture_comes_in_the_dark_theme_too(mixed_run, api_client):
    root = parse(picture(api_client, execution=mixed_run.id, theme="dark").content)
    assert root.find(f"{SVG}rect[@class='canvas']").get("fill") == "#121212"
    assert ".state-failed rect{fill:#5f1d1d}" in root.find(f"{SVG}style").text
