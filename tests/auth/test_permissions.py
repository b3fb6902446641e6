"""Reads need an active user; writes need the model permission."""

import pytest

from packs.models import Pack
from tests.conftest import DEFINITION, assert_error, client_for
from workflows.models import Workflow

WORKFLOW_BODY = {
    "ref": "demo.new",
    "pack_ref": "demo",
    "label": "New",
    "version": "1.0.0",
    "definition": DEFINITION,
}
PACK_BODY = {"ref": "newpack", "label": "New", "version": "1.0.0"}


@pytest.fixture
def existing(make_workflow):
    return make_workflow("demo.flow", label="Flow")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/packs",
        "/api/v1/packs/demo",
        "/api/v1/workflows",
        "/api/v1/workflows/demo.flow",
        "/api/v1/packs/demo/workflows",
        "/auth/me",
    ],
)
def test_user_without_permissions_can_read(reader_client, existing, path):
    assert reader_client.get(path).status_code == 200


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/v1/packs", PACK_BODY),
        ("put", "/api/v1/packs/demo", {"label": "Changed"}),
        ("patch", "/api/v1/packs/demo", {"label": "Changed"}),
        ("delete", "/api/v1/packs/demo", None),
        ("post", "/api/v1/workflows", WORKFLOW_BODY),
        ("put", "/api/v1/workflows/demo.flow", {"label": "Changed"}),
        ("patch", "/api/v1/workflows/demo.flow", {"label": "Changed"}),
        ("delete", "/api/v1/workflows/demo.flow", None),
    ],
)
def test_user_without_permissions_cannot_write(reader_client, existing, method, path, body):
    assert_error(getattr(reader_client, method)(path, body), 403, "FORBIDDEN")
    assert Pack.objects.get(ref="demo").label == "Demo"
    assert list(Workflow.objects.values_list("ref", "label")) == [("demo.flow", "Flow")]
    assert not Pack.objects.filter(ref="newpack").exists()


def test_each_write_needs_its_own_permission(make_user, existing):
    client = client_for(make_user("creator", perms=["workflows.add_workflow"]))
    assert client.post("/api/v1/workflows", WORKFLOW_BODY).status_code == 201
    assert_error(client.put("/api/v1/workflows/demo.new", {"label": "x"}), 403, "FORBIDDEN")
    assert_error(client.delete("/api/v1/workflows/demo.new"), 403, "FORBIDDEN")
    assert_error(client.post("/api/v1/packs", PACK_BODY), 403, "FORBIDDEN")
    assert Workflow.objects.get(ref="demo.new").label == "New"


@pytest.mark.parametrize(
    "perm, method, path, body",
    [
        ("packs.change_pack", "patch", "/api/v1/packs/demo", {"label": "Changed"}),
        ("packs.delete_pack", "delete", "/api/v1/packs/empty", None),
        ("workflows.change_workflow", "patch", "/api/v1/workflows/demo.flow", {"label": "Changed"}),
        ("workflows.delete_workflow", "delete", "/api/v1/workflows/demo.flow", None),
    ],
)
def test_the_matching_permission_allows_the_write(make_user, make_pack, existing, perm, method, path, body):
    make_pack("empty")
    client = client_for(make_user("granted", perms=[perm]))
    assert getattr(client, method)(path, body).status_code == 200


def test_deleting_a_pack_with_workflows_also_needs_workflow_delete(make_user, existing):
    only_packs = client_for(make_user("packs_only", perms=["packs.delete_pack"]))
    body = assert_error(only_packs.delete("/api/v1/packs/demo"), 403, "FORBIDDEN")
    assert "workflows.delete_workflow" in body["error"]
    assert Workflow.objects.filter(ref="demo.flow").exists()
    both = client_for(make_user("both", perms=["packs.delete_pack", "workflows.delete_workflow"]))
    assert both.delete("/api/v1/packs/demo").status_code == 200
    assert not Pack.objects.filter(ref="demo").exists()
    assert not Workflow.objects.exists()
