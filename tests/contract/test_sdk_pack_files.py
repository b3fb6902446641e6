"""Attune's client registers, uploads, syncs and validates packs from files, unmodified."""

import base64
import io
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from packs.models import Pack
from tests.conftest import assert_error
from tests.contract.conftest import SdkFailed
from tests.packs.conftest import PackBuilder
from workflows.models import Workflow


@pytest.fixture
def packs_dir(tmp_path, settings):
    # The live server runs in this process, so it reads the same settings.
    settings.ATTUNE_PACKS_DIR = tmp_path / "packs-dir"
    settings.ATTUNE_PACKS_DIR.mkdir()
    return settings.ATTUNE_PACKS_DIR


@pytest.fixture
def demo(packs_dir):
    return PackBuilder(packs_dir, "demo").action_workflow("deploy").standalone("nightly")


def archive_of(directory) -> str:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(directory, arcname=directory.name)
    return base64.b64encode(buffer.getvalue()).decode()


def test_sdk_registers_a_pack_directory(run_sdk, root_token, demo):
    result = run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    assert (result["ref"], result["id"]) == ("demo", Pack.objects.get(ref="demo").id)
    assert result["tests_skipped"] is True
    assert set(Workflow.objects.values_list("ref", flat=True)) == {"demo.deploy", "demo.nightly"}


def test_sdk_register_of_a_registered_pack_without_force_fails(run_sdk, root_token, demo):
    run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    with pytest.raises(SdkFailed, match="409"):
        run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    assert Pack.objects.exclude(ref="core").count() == 1


def test_sdk_uploads_a_pack_archive(run_sdk, root_token, tmp_path, packs_dir):
    source = PackBuilder(tmp_path / "src", "demo").standalone("nightly")
    result = run_sdk(
        "upload_a_pack", token=root_token, archive=archive_of(source.path), file_name="demo.tar.gz"
    )
    assert result["ref"] == "demo"
    assert list(Workflow.objects.values_list("ref", flat=True)) == ["demo.nightly"]
    assert (packs_dir / "demo" / "pack.yaml").is_file()


def test_sdk_upload_of_a_broken_archive_fails(run_sdk, root_token, packs_dir):
    garbage = base64.b64encode(b"not an archive").decode()
    with pytest.raises(SdkFailed, match="400"):
        run_sdk("upload_a_pack", token=root_token, archive=garbage, file_name="demo.tar.gz")
    assert not Pack.objects.exclude(ref="core").exists()


def test_sdk_syncs_the_workflows_of_a_pack(run_sdk, root_token, demo):
    run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    demo.standalone("weekly")
    result = run_sdk("sync_workflows_of_pack", token=root_token, ref="demo")
    assert result["errors"] == []
    weekly = Workflow.objects.get(ref="demo.weekly")
    assert result["workflows"]["demo.weekly"] == {"created": True, "id": weekly.id}
    assert result["workflows"]["demo.deploy"]["created"] is False


def test_sdk_sync_of_an_unknown_pack_fails(run_sdk, root_token, packs_dir):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("sync_workflows_of_pack", token=root_token, ref="nosuch")


def test_sdk_validates_the_workflows_of_a_pack(run_sdk, root_token, demo):
    run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    demo.write("workflows/broken.yaml", "label: Broken\ntasks: 3\n")
    result = run_sdk("validate_workflows_of_pack", token=root_token, ref="demo")
    assert result["error_count"] >= 1
    assert "demo.broken" in result["errors"]
    assert not Workflow.objects.filter(ref="demo.broken").exists()


def test_sdk_validation_of_a_clean_pack_finds_nothing(run_sdk, root_token, demo):
    run_sdk("register_a_pack", token=root_token, body={"path": "demo"})
    result = run_sdk("validate_workflows_of_pack", token=root_token, ref="demo")
    assert (result["validated_count"], result["error_count"], result["errors"]) == (2, 0, {})


@pytest.mark.parametrize("names", [[], ["file", "pack"]], ids=["neither", "both"])
def test_upload_needs_the_archive_exactly_once(api_client, packs_dir, names):
    files = {name: SimpleUploadedFile("demo.tar.gz", b"unread") for name in names}
    response = api_client.post("/api/v1/packs/upload", {"force": "false", **files}, format="multipart")
    assert "file" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert not Pack.objects.exclude(ref="core").exists()
