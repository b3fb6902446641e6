"""POST /api/v1/packs/upload: archives unpacked safely into the packs dir, or refused leaving nothing."""

import io
import os
import stat
import tarfile
import zipfile

import pytest

from packs.models import Pack
from tests.conftest import assert_error, client_for
from workflows.models import Workflow

UPLOAD = "/api/v1/packs/upload"
MANIFEST = b'ref: demo\nlabel: Demo\ndescription: Uploaded\nversion: "1.0.0"\n'
NIGHTLY = b"label: Nightly\ntasks:\n  - name: only\n    action: core.echo\n"
DEPLOY_ACTION = b"ref: demo.deploy\nlabel: Deploy\nworkflow_file: workflows/deploy.workflow.yaml\n"
DEPLOY_GRAPH = b'version: "1.0.0"\ntasks:\n  - name: first\n    action: core.echo\n'
PACK = {
    "pack.yaml": MANIFEST,
    "workflows/nightly.yaml": NIGHTLY,
    "actions/deploy.yaml": DEPLOY_ACTION,
    "actions/workflows/deploy.workflow.yaml": DEPLOY_GRAPH,
}


def tar_member(name, data=b"", kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o644
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info, io.BytesIO(data) if kind == tarfile.REGTYPE else None


def make_tar(files: dict, name="demo.tar.gz", prefix="", extra=()) -> io.BytesIO:
    """A gzipped tar of `files` (path -> bytes) under `prefix`, then the `extra` TarInfo members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            archive.addfile(*tar_member(prefix + path, data))
        for member in extra:
            archive.addfile(*member)
    buffer.seek(0)
    buffer.name = name
    return buffer


def zip_info(name, mode):
    info = zipfile.ZipInfo(name)
    info.external_attr, info.compress_type = mode << 16, zipfile.ZIP_DEFLATED
    return info


REGULAR = stat.S_IFREG | 0o644  # what Info-ZIP's `zip` records for a plain file


def make_zip(files: dict, name="demo.zip", prefix="", extra=(), mode=REGULAR) -> io.BytesIO:
    """A zip of `files` under `prefix` (each with Unix `mode`), then the `extra` (ZipInfo, bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zip_info(prefix + path, mode) if mode is not None else prefix + path, data)
        for info, data in extra:
            archive.writestr(info, data)
    buffer.seek(0)
    buffer.name = name
    return buffer


def upload(client, fileobj, **fields):
    return client.post(UPLOAD, {"file": fileobj, **fields}, format="multipart")


def tree(directory) -> dict:
    """Every file under `directory` as relative path -> bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def assert_nothing_left(packs_dir):
    """No staging directory, no pack directory, no row."""
    assert list(packs_dir.iterdir()) == []
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


# --- accepted archives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "archive",
    [
        lambda: make_tar(PACK, "demo.tar.gz"),
        lambda: make_tar(PACK, "demo.tgz", prefix="demo-1.0.0/"),
        lambda: make_tar(PACK, "DEMO.TGZ", prefix="./"),
        lambda: make_zip(PACK, "demo.zip"),
        lambda: make_zip(PACK, "demo.zip", prefix="demo-main/"),
    ],
    ids=["tar.gz-at-top", "tgz-in-a-folder", "upper-case-name-dot-prefix", "zip-at-top", "zip-in-a-folder"],
)
def test_upload_unpacks_into_the_packs_dir_and_registers_the_pack(api_client, packs_dir, archive):
    response = upload(api_client, archive())
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["pack"]["ref"], data["pack"]["workflow_count"]) == ("demo", 2)
    assert data["plan"]["action"] == "create"
    assert {w["ref"]: w["action"] for w in data["plan"]["workflows"]} == {
        "demo.deploy": "create",
        "demo.nightly": "create",
    }
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]  # no staging directory left
    assert tree(packs_dir / "demo") == PACK
    pack = Pack.objects.get(ref="demo")
    assert pack.source_dir == str((packs_dir / "demo").resolve())
    assert dict(Workflow.objects.values_list("ref", "source_path")) == {
        "demo.deploy": "actions/workflows/deploy.workflow.yaml",
        "demo.nightly": "workflows/nightly.yaml",
    }


@pytest.mark.parametrize(
    "mode",
    [None, 0o644],
    ids=["zipfile-writestr-default", "permission-bits-only"],
)
def test_upload_accepts_zip_members_without_a_unix_file_type(api_client, packs_dir, mode):
    # Python's zipfile.writestr records 0o600 without the S_IFREG type bits: still a plain file.
    response = upload(api_client, make_zip(PACK, mode=mode))
    assert response.status_code == 201, response.content
    assert tree(packs_dir / "demo") == PACK
    assert Workflow.objects.filter(pack__ref="demo").count() == 2


def test_an_uploaded_pack_can_be_synced_from_where_it_was_unpacked(api_client, packs_dir):
    assert upload(api_client, make_tar(PACK)).status_code == 201
    (packs_dir / "demo/workflows/nightly.yaml").unlink()
    response = api_client.post("/api/v1/packs/demo/workflows/sync")
    assert response.status_code == 200, response.content
    assert list(Workflow.objects.values_list("ref", flat=True)) == ["demo.deploy"]


# --- refused archives: nothing left behind ------------------------------------------------------


@pytest.mark.parametrize(
    "member",
    ["/etc/evil.yaml", "../evil.yaml", "workflows/../../evil.yaml", "C:/evil.yaml", "..\\evil.yaml"],
)
@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_refuses_a_member_path_that_could_escape(api_client, packs_dir, member, kind):
    evil = {**PACK, member: b"x: 1\n"}  # after the valid files, so some were unpacked already
    archive = make_tar(evil) if kind == "tar" else make_zip(evil)
    body = assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert member in body["details"]["file"][0]
    assert_nothing_left(packs_dir)
    assert not (packs_dir.parent / "evil.yaml").exists()


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (tar_member("link.yaml", kind=tarfile.SYMTYPE, linkname="/etc/passwd"), "is a link"),
        (tar_member("hard.yaml", kind=tarfile.LNKTYPE, linkname="pack.yaml"), "is a link"),
        (tar_member("null", kind=tarfile.CHRTYPE), "device or special file"),
        (tar_member("disk", kind=tarfile.BLKTYPE), "device or special file"),
        (tar_member("pipe", kind=tarfile.FIFOTYPE), "device or special file"),
    ],
    ids=["symlink", "hard-link", "char-device", "block-device", "fifo"],
)
def test_upload_refuses_tar_links_and_special_files(api_client, packs_dir, member, reason):
    body = assert_error(upload(api_client, make_tar(PACK, extra=[member])), 400, "VALIDATION_ERROR")
    assert reason in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [(stat.S_IFLNK | 0o777, "is a link"), (stat.S_IFIFO | 0o644, "device or special file")],
    ids=["symlink", "fifo"],
)
def test_upload_refuses_zip_links_and_special_files(api_client, packs_dir, mode, reason):
    archive = make_zip(PACK, extra=[(zip_info("link.yaml", mode), b"/etc/passwd")])
    body = assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert reason in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_refuses_more_members_than_the_limit(api_client, packs_dir, settings, kind):
    settings.ATTUNE_UPLOAD_MAX_FILES = len(PACK) - 1
    archive = make_tar(PACK) if kind == "tar" else make_zip(PACK)
    body = assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert f"more than {len(PACK) - 1} members" in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_accepts_exactly_the_member_limit(api_client, packs_dir, settings, kind):
    settings.ATTUNE_UPLOAD_MAX_FILES = len(PACK)
    archive = make_tar(PACK) if kind == "tar" else make_zip(PACK)
    assert upload(api_client, archive).status_code == 201
    assert Pack.objects.filter(ref="demo").exists()


def padded_pack(unpacked_size: int) -> dict:
    """PACK plus a README of zeros (compresses to almost nothing) making `unpacked_size` bytes."""
    files = dict(PACK)
    files["README.md"] = b"\0" * (unpacked_size - sum(len(data) for data in files.values()))
    return files


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_refuses_an_archive_that_unpacks_past_the_size_limit(api_client, packs_dir, settings, kind):
    settings.ATTUNE_UPLOAD_MAX_BYTES = 64 * 1024
    files = padded_pack(64 * 1024 + 1)
    archive = make_tar(files) if kind == "tar" else make_zip(files)
    assert len(archive.getvalue()) < 4 * 1024  # the body passes the request size check
    body = assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert f"unpacks to more than {64 * 1024} bytes" in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_accepts_an_archive_that_unpacks_to_exactly_the_limit(api_client, packs_dir, settings, kind):
    settings.ATTUNE_UPLOAD_MAX_BYTES = 64 * 1024
    files = padded_pack(64 * 1024)
    archive = make_tar(files) if kind == "tar" else make_zip(files)
    assert upload(api_client, archive).status_code == 201
    assert (packs_dir / "demo/README.md").stat().st_size == len(files["README.md"])


def test_upload_body_over_the_limit_is_refused_before_it_is_read(api_client, packs_dir, settings):
    settings.ATTUNE_UPLOAD_MAX_BYTES = 4 * 1024
    files = {**PACK, "README.md": os.urandom(8 * 1024)}  # does not compress
    assert_error(upload(api_client, make_tar(files)), 413, "PAYLOAD_TOO_LARGE")
    assert_nothing_left(packs_dir)


def test_upload_body_limit_is_the_upload_limit_not_the_json_limit(api_client, packs_dir, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    files = {**PACK, "README.md": os.urandom(8 * 1024)}
    assert upload(api_client, make_tar(files)).status_code == 201
    assert (packs_dir / "demo/README.md").exists()


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_upload_refuses_an_archive_without_pack_yaml(api_client, packs_dir, kind):
    files = {path: data for path, data in PACK.items() if path != "pack.yaml"}
    archive = make_tar(files) if kind == "tar" else make_zip(files)
    body = assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert "no pack.yaml" in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


def test_upload_refuses_pack_yaml_deeper_than_one_folder(api_client, packs_dir):
    body = assert_error(upload(api_client, make_tar(PACK, prefix="a/b/")), 400, "VALIDATION_ERROR")
    assert "no pack.yaml" in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


def test_upload_refuses_two_top_level_folders(api_client, packs_dir):
    files = {**{f"one/{p}": d for p, d in PACK.items()}, "two/pack.yaml": MANIFEST}
    assert_error(upload(api_client, make_tar(files)), 400, "VALIDATION_ERROR")
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (lambda: make_tar(PACK, "demo.rar"), "is not a .tar.gz, .tgz or .zip archive"),
        (lambda: make_tar(PACK, "demo.tar"), "is not a .tar.gz, .tgz or .zip archive"),
        (lambda: make_tar(PACK, "demo"), "is not a .tar.gz, .tgz or .zip archive"),
        (lambda: make_zip(PACK, "demo.tgz"), "not a readable tar archive"),
        (lambda: make_tar(PACK, "demo.zip"), "not a readable zip archive"),
    ],
    ids=["rar", "plain-tar", "no-extension", "zip-named-tgz", "tar-named-zip"],
)
def test_upload_refuses_a_file_that_is_not_a_supported_archive(api_client, packs_dir, archive, message):
    body = assert_error(upload(api_client, archive()), 400, "VALIDATION_ERROR")
    assert message in body["details"]["file"][0]
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize("name", ["demo.tgz", "demo.zip"])
def test_upload_refuses_garbage_with_an_archive_name(api_client, packs_dir, name):
    garbage = io.BytesIO(b"this is not an archive at all" * 10)
    garbage.name = name
    assert_error(upload(api_client, garbage), 400, "VALIDATION_ERROR")
    assert_nothing_left(packs_dir)


def test_upload_refuses_a_truncated_archive(api_client, packs_dir):
    whole = make_tar({**PACK, "README.md": os.urandom(4096)}).getvalue()
    truncated = io.BytesIO(whole[: len(whole) // 2])
    truncated.name = "demo.tgz"
    assert_error(upload(api_client, truncated), 400, "VALIDATION_ERROR")
    assert_nothing_left(packs_dir)


def test_upload_refuses_an_archive_naming_a_file_twice(api_client, packs_dir):
    archive = make_tar(PACK, extra=[tar_member("pack.yaml", MANIFEST)])
    assert_error(upload(api_client, archive), 400, "VALIDATION_ERROR")
    assert_nothing_left(packs_dir)


def test_upload_of_an_invalid_pack_lists_every_problem_per_file(api_client, packs_dir):
    files = {
        **PACK,
        "pack.yaml": MANIFEST + b"label: Again\n",
        "workflows/broken.yaml": b"tasks: []\n",
    }
    body = assert_error(upload(api_client, make_tar(files)), 400, "VALIDATION_ERROR")
    assert body["details"] == {"pack.yaml": ["5:1: duplicate key 'label' (first defined on line 2)"]}
    files["pack.yaml"] = MANIFEST
    body = assert_error(upload(api_client, make_tar(files)), 400, "VALIDATION_ERROR")
    assert body["details"] == {"workflows/broken.yaml": ["1:8: W005-empty-list: 'tasks' must not be empty."]}
    assert_nothing_left(packs_dir)


def test_upload_without_a_file_is_a_validation_error(api_client, packs_dir):
    body = assert_error(
        api_client.post(UPLOAD, {"force": "true"}, format="multipart"), 400, "VALIDATION_ERROR"
    )
    assert "file" in body["details"]
    assert_nothing_left(packs_dir)


def test_upload_as_json_is_an_unsupported_media_type(api_client, packs_dir):
    assert_error(api_client.post(UPLOAD, {"file": "pack.yaml"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert_nothing_left(packs_dir)


@pytest.mark.parametrize("force", ["yes", "1", "on", "True", "FALSE", " true"])
def test_upload_refuses_a_force_that_is_not_true_or_false(api_client, packs_dir, force):
    body = assert_error(upload(api_client, make_tar(PACK), force=force), 400, "VALIDATION_ERROR")
    assert "force" in body["details"]
    assert_nothing_left(packs_dir)


# --- replacing a pack ---------------------------------------------------------------------------


@pytest.fixture
def uploaded(api_client, packs_dir):
    """`demo` uploaded once, with an extra file of its own."""
    response = upload(api_client, make_tar({**PACK, "README.md": b"first\n"}))
    assert response.status_code == 201, response.content
    return packs_dir / "demo"


def snapshot():
    return (
        list(Pack.objects.exclude(ref="core").values_list("ref", "description", "updated")),
        list(Workflow.objects.order_by("ref").values_list("ref", "label", "updated")),
    )


def test_upload_of_a_registered_ref_without_force_is_a_conflict(api_client, packs_dir, uploaded):
    files_before, rows_before = tree(uploaded), snapshot()
    changed = {**PACK, "workflows/nightly.yaml": NIGHTLY.replace(b"Nightly", b"Changed")}
    body = assert_error(upload(api_client, make_tar(changed)), 409, "CONFLICT")
    assert "force" in body["error"]
    assert tree(uploaded) == files_before
    assert snapshot() == rows_before
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]


def test_upload_with_force_replaces_the_files_and_the_rows(api_client, packs_dir, uploaded):
    new = {
        "pack.yaml": MANIFEST.replace(b"Uploaded", b"Replaced"),
        "workflows/nightly.yaml": NIGHTLY.replace(b"Nightly", b"Changed"),
        "workflows/weekly.yaml": NIGHTLY.replace(b"Nightly", b"Weekly"),
    }
    nightly_id = Workflow.objects.get(ref="demo.nightly").id
    response = upload(api_client, make_tar(new), force="true")
    assert response.status_code == 201, response.content
    plan = response.json()["data"]["plan"]
    assert plan["action"] == "update" and "description" in plan["fields"]
    assert {w["ref"]: w["action"] for w in plan["workflows"]} == {
        "demo.nightly": "update",
        "demo.weekly": "create",
        "demo.deploy": "delete",
    }
    assert tree(uploaded) == new  # README.md and actions/ of the old upload are gone
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]
    assert Pack.objects.get(ref="demo").description == "Replaced"
    assert dict(Workflow.objects.values_list("ref", "label")) == {
        "demo.nightly": "Changed",
        "demo.weekly": "Weekly",
    }
    assert Workflow.objects.get(ref="demo.nightly").id == nightly_id


def test_upload_with_force_of_an_invalid_pack_keeps_the_old_one(api_client, packs_dir, uploaded):
    files_before, rows_before = tree(uploaded), snapshot()
    broken = {**PACK, "workflows/nightly.yaml": b"tasks: []\n"}
    assert_error(upload(api_client, make_tar(broken), force="true"), 400, "VALIDATION_ERROR")
    assert tree(uploaded) == files_before and snapshot() == rows_before
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]


def test_upload_with_force_that_fails_while_loading_puts_the_old_files_back(
    api_client, packs_dir, uploaded, make_pack
):
    # The archive itself is valid; the database refuses it (a workflow ref owned by another pack).
    Workflow.objects.create(
        ref="demo.stolen",
        pack=make_pack("other"),
        label="x",
        version="1.0.0",
        definition={"tasks": [{"name": "a"}]},
    )
    files_before, rows_before = tree(uploaded), snapshot()
    files = {**PACK, "workflows/stolen.yaml": NIGHTLY}
    body = assert_error(upload(api_client, make_tar(files), force="true"), 400, "VALIDATION_ERROR")
    assert "already belongs to pack 'other'" in str(body["details"])
    assert tree(uploaded) == files_before and snapshot() == rows_before
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]


def test_upload_with_force_needs_the_change_permission(make_user, packs_dir, uploaded):
    client = client_for(make_user("adder", perms=["packs.add_pack"]))
    files_before, rows_before = tree(uploaded), snapshot()
    new = {**PACK, "pack.yaml": MANIFEST.replace(b"Uploaded", b"Replaced")}
    body = assert_error(upload(client, make_tar(new), force="true"), 403, "FORBIDDEN")
    assert "packs.change_pack" in body["error"]
    assert tree(uploaded) == files_before and snapshot() == rows_before


def test_a_user_who_may_add_packs_can_upload_a_new_one(make_user, packs_dir):
    client = client_for(make_user("adder", perms=["packs.add_pack"]))
    assert upload(client, make_tar(PACK)).status_code == 201
    assert tree(packs_dir / "demo") == PACK
    assert Workflow.objects.filter(pack__ref="demo").count() == 2


def test_upload_without_force_does_not_overwrite_a_directory_already_in_the_packs_dir(api_client, packs_dir):
    # A checkout the operator placed in the packs dir but has not registered: not the
    # uploader's to replace without force (nor with only the add permission).
    existing = packs_dir / "demo"
    existing.mkdir()
    (existing / "pack.yaml").write_bytes(MANIFEST.replace(b"Uploaded", b"Operator's checkout"))
    (existing / "NOTES.md").write_bytes(b"operator notes\n")
    files_before = tree(existing)
    assert_error(upload(api_client, make_tar(PACK)), 409, "CONFLICT")
    assert tree(existing) == files_before
    assert not Pack.objects.exclude(ref="core").exists()


def test_an_uploaded_pack_named_core_is_refused_and_leaves_no_file(api_client, packs_dir):
    manifest = b'ref: core\nlabel: Mine\nversion: "9.0.0"\n'
    response = upload(api_client, make_tar({"pack.yaml": manifest}, name="core.tar.gz"), force="true")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "core pack shipped with the server" in body["details"]["pack.yaml"][0]
    assert not (packs_dir / "core").exists()
    assert Pack.objects.get(ref="core").version == "1.0.0"
