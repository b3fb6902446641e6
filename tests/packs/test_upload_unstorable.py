"""Pack uploads with NUL characters in their files or form fields: 400, nothing written."""

import json

import pytest

from packs.models import Pack
from tests.conftest import assert_error
from tests.packs.test_upload import PACK, make_tar
from workflows.models import Workflow

PACKS = "/api/v1/packs"


def test_an_uploaded_pack_with_a_nul_in_its_yaml_is_refused(api_client, packs_dir):
    files = {**PACK, "workflows/nightly.yaml": b'label: "Night\\0ly"\ntasks: []\n'}
    response = api_client.post(f"{PACKS}/upload", {"file": make_tar(files)}, format="multipart")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "NUL" in json.dumps(body)
    assert not Pack.objects.exclude(ref="core").exists()
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("extra", [{"force": "tr\x00ue"}, {"no\x00te": "x"}], ids=["value", "name"])
def test_a_multipart_field_with_a_nul_is_refused(api_client, packs_dir, extra):
    response = api_client.post(f"{PACKS}/upload", {"file": make_tar(PACK), **extra}, format="multipart")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "NUL" in body["error"]
    assert not Pack.objects.exclude(ref="core").exists()


def test_a_plain_multipart_upload_is_accepted(api_client, packs_dir):
    response = api_client.post(f"{PACKS}/upload", {"file": make_tar(PACK)}, format="multipart")
    assert response.status_code == 201, response.content
