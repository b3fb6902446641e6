"""Upload and register errors: no server paths, no control characters, strict booleans."""

import pytest

from packs.models import Pack
from tests.conftest import assert_error
from tests.packs.test_upload import NIGHTLY, PACK, make_tar, make_zip, tar_member, upload
from workflows.models import Workflow

REGISTER = "/api/v1/packs/register"
PACK_MEMBER = "pack.yaml"


@pytest.mark.parametrize(
    "name", ["actions/evil\nname.yaml", "a\x1b[31mred.yaml", "tab\there.yaml", "del\x7f.yaml"]
)
def test_a_member_name_with_a_control_character_is_refused(api_client, packs_dir, name):
    response = upload(api_client, make_tar(PACK, extra=[tar_member(name, b"x")]))
    body = assert_error(response, 400, "VALIDATION_ERROR")
    (message,) = body["details"]["file"]
    assert "has a control character in its name" in message
    assert not any(ord(char) < 32 or ord(char) == 127 for char in message)  # shown escaped
    assert not Pack.objects.exclude(ref="core").exists() and list(packs_dir.iterdir()) == []


def test_a_member_name_with_ordinary_unicode_is_accepted(api_client, packs_dir):
    response = upload(api_client, make_tar({**PACK, "docs/café notes.md": b"ok\n"}))
    assert response.status_code == 201, response.content
    assert (packs_dir / "demo" / "docs" / "café notes.md").read_bytes() == b"ok\n"


def test_a_member_given_twice_is_named_without_any_server_path(api_client, packs_dir):
    response = upload(api_client, make_zip(PACK, extra=[(PACK_MEMBER, b"again")]))
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"] == {"file": ["member 'pack.yaml' appears twice in the archive"]}
    assert str(packs_dir) not in response.content.decode()
    assert not Pack.objects.exclude(ref="core").exists()


def test_a_workflow_owned_elsewhere_is_reported_against_its_file_not_the_server_directory(
    api_client, packs_dir, make_pack
):
    Workflow.objects.create(
        ref="demo.stolen",
        pack=make_pack("other"),
        label="x",
        version="1.0.0",
        definition={"tasks": [{"name": "a"}]},
    )
    response = upload(api_client, make_tar({**PACK, "workflows/stolen.yaml": NIGHTLY}))
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert body["details"] == {
        "workflows/stolen.yaml": ["workflow 'demo.stolen' already belongs to pack 'other'"]
    }
    assert str(packs_dir) not in response.content.decode()
    assert Workflow.objects.get(ref="demo.stolen").pack.ref == "other"


@pytest.mark.parametrize("value", [True, False])
def test_register_takes_skip_tests_as_a_boolean(api_client, make_pack_dir, packs_dir, value):
    make_pack_dir("demo", root=packs_dir).standalone("nightly")
    response = api_client.post(REGISTER, {"path": "demo", "skip_tests": value}, format="json")
    assert response.status_code == 201, response.content
    assert Pack.objects.filter(ref="demo").exists()


@pytest.mark.parametrize("value", ["yes", "true", 1])
def test_register_refuses_a_skip_tests_that_is_not_a_json_boolean(
    api_client, make_pack_dir, packs_dir, value
):
    make_pack_dir("demo", root=packs_dir).standalone("nightly")
    response = api_client.post(REGISTER, {"path": "demo", "skip_tests": value}, format="json")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "skip_tests" in body["details"]
    assert not Pack.objects.exclude(ref="core").exists()
