"""graph.svg: edge kinds from the transition's condition, and who may open the picture."""

import pytest

from tests.conftest import PASSWORD, assert_error
from workflows.validation.graph import edge_kind

DEFINITION = {"version": "1.0.0", "tasks": [{"name": "only", "action": "core.echo"}]}


@pytest.mark.parametrize(
    ("when", "kind"),
    [
        (None, "complete"),
        ("{{ succeeded() }}", "success"),
        ("{{ failed() }}", "failure"),
        ("{{ timed_out() }}", "timeout"),
        ("{{ failed() or timed_out() }}", "failure"),
        ("{{ timed_out()  or  failed() }}", "failure"),
        ("{{ timed_out() or timed_out() }}", "conditional"),
        ("{{ failed() and ctx.retry }}", "conditional"),
        ("{{ succeeded() or failed() }}", "conditional"),
        ("{{ ctx.count > 3 }}", "conditional"),
    ],
)
def test_each_condition_has_its_edge_kind(when, kind):
    assert edge_kind(when) == kind


def test_an_admin_session_may_open_the_picture(make_user, make_workflow, client):
    make_workflow("demo.flow", definition=DEFINITION)
    make_user("staff", superuser=True)
    assert client.login(username="staff", password=PASSWORD)
    response = client.get("/api/v1/workflows/demo.flow/graph.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert ">only</text>" in response.content.decode()


def test_a_session_does_not_open_the_other_workflow_endpoints(make_user, make_workflow, client):
    make_workflow("demo.flow", definition=DEFINITION)
    make_user("staff", superuser=True)
    assert client.login(username="staff", password=PASSWORD)
    assert client.get("/api/v1/workflows/demo.flow/graph").status_code == 401


def test_an_anonymous_browser_is_still_a_401(make_workflow, client):
    make_workflow("demo.flow", definition=DEFINITION)
    assert_error(client.get("/api/v1/workflows/demo.flow/graph.svg"), 401, "UNAUTHORIZED")
