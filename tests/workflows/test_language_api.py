"""POST /api/v1/workflows/validate and GET /api/v1/workflows/{ref}/graph."""

import pytest

from tests.conftest import assert_error
from workflows.models import Workflow

VALIDATE = "/api/v1/workflows/validate"

YAML_OK = """\
version: "1.0.0"
tasks:
  - name: fetch
    action: core.http
    next:
      - when: "{{ succeeded() }}"
        do: [store]
      - when: "{{ failed() }}"
        do: [alert]
  - name: store
    action: core.echo
  - name: alert
    action: core.echo
"""

YAML_BAD = """\
version: "1.0.0"
tasks:
  - name: fetch
    action: core.http
    next:
      - do: [stroe]
"""


def test_valid_yaml_answers_valid_with_its_graph(api_client):
    response = api_client.generic("POST", VALIDATE, YAML_OK, content_type="application/yaml")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["valid"] is True and data["diagnostics"] == []
    assert data["graph"]["entry"] == ["fetch"]
    assert {(e["from"], e["to"], e["kind"]) for e in data["graph"]["edges"]} == {
        ("fetch", "store", "success"),
        ("fetch", "alert", "failure"),
    }
    assert not Workflow.objects.exists()


def test_invalid_yaml_lists_located_diagnostics(api_client):
    response = api_client.generic("POST", VALIDATE, YAML_BAD, content_type="application/yaml")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["valid"] is False
    assert data["diagnostics"] == [
        {
            "code": "W101-unknown-task",
            "severity": "error",
            "message": "Transition to 'stroe', which is not a task here (tasks at this level: fetch).",
            "path": "/tasks/0/next/0/do/0",
            "line": 6,
            "column": 14,
        }
    ]


def test_json_definitions_are_validated_too(api_client):
    definition = {"version": "1.0.0", "tasks": [{"name": "a", "action": "core.echo", "on_sucess": "b"}]}
    data = api_client.post(VALIDATE, definition).json()["data"]
    assert data["valid"] is False
    assert [(d["code"], d["path"], d["line"]) for d in data["diagnostics"]] == [
        ("W001-unknown-key", "/tasks/0/on_sucess", None)
    ]
    assert data["graph"] == {"nodes": [], "edges": [], "entry": []}


@pytest.mark.parametrize(
    "body, message",
    [("a: [1\n", "line 2, column 1"), ("a: 1\na: 2\n", "line 2, column 1: duplicate key 'a'")],
)
def test_unparseable_yaml_is_a_400_with_its_location(api_client, body, message):
    response = api_client.generic("POST", VALIDATE, body, content_type="application/yaml")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"]["body"][0].startswith(message)


def test_a_json_string_is_a_definition_of_the_wrong_shape_not_yaml_text(api_client):
    response = api_client.generic("POST", VALIDATE, '"a: [1"', content_type="application/json")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["data"]["diagnostics"]] == ["W000-not-an-object"]


def test_the_same_text_sent_as_yaml_is_parsed_as_yaml(api_client):
    response = api_client.generic("POST", VALIDATE, "a: [1", content_type="application/yaml")
    assert_error(response, 400, "VALIDATION_ERROR")


def test_validate_needs_a_token(anon_client, db):
    assert_error(anon_client.post(VALIDATE, {"version": "1.0.0"}), 401, "UNAUTHORIZED")


def test_graph_of_a_stored_workflow(api_client, make_workflow):
    definition = {
        "version": "1.0.0",
        "tasks": [
            {
                "name": "a",
                "action": "core.echo",
                "next": [{"do": ["b"]}, {"when": "{{ parameters.x }}", "do": ["c"]}],
            },
            {"name": "b", "action": "core.echo"},
            {"name": "c", "type": "parallel", "tasks": [{"name": "c1", "action": "core.echo"}]},
        ],
    }
    make_workflow("demo.flow", definition=definition)
    response = api_client.get("/api/v1/workflows/demo.flow/graph")
    assert response.status_code == 200
    graph = response.json()["data"]
    assert graph["entry"] == ["a"]
    assert [(n["name"], n["type"], n["parent"]) for n in graph["nodes"]] == [
        ("a", "action", None),
        ("b", "action", None),
        ("c", "parallel", None),
        ("c1", "action", "c"),
    ]
    assert [(e["from"], e["to"], e["kind"]) for e in graph["edges"]] == [
        ("a", "b", "complete"),
        ("a", "c", "conditional"),
    ]


def test_graph_of_an_unknown_workflow_is_a_404(api_client):
    assert_error(api_client.get("/api/v1/workflows/demo.nothing/graph"), 404, "NOT_FOUND")


def test_graph_picture_is_an_svg_with_every_task(api_client, make_workflow):
    definition = {
        "version": "1.0.0",
        "tasks": [
            {"name": "fetch", "action": "core.http", "next": [{"when": "{{ failed() }}", "do": ["alert"]}]},
            {"name": "alert", "action": "core.echo"},
        ],
    }
    make_workflow("demo.flow", definition=definition)
    response = api_client.get("/api/v1/workflows/demo.flow/graph.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert (
        '<g class="task entry" data-name="fetch">' in svg
        and ">fetch</text>" in svg
        and ">alert</text>" in svg
    )
    assert 'class="edge edge-failure"' in svg


def test_graph_picture_escapes_what_it_draws():
    from workflows.picture import graph_svg

    graph = {
        "nodes": [
            {"name": "<script>", "action": "a.b&c", "type": "action", "parent": None, "reachable": False}
        ],
        "edges": [],
        "entry": [],
    }
    svg = graph_svg(graph)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a.b&amp;c" in svg
    assert 'class="task unreachable"' in svg


def test_graph_picture_of_an_unknown_workflow_is_a_404(api_client):
    assert_error(api_client.get("/api/v1/workflows/demo.nothing/graph.svg"), 404, "NOT_FOUND")
