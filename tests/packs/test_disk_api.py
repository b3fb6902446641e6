"""The pack-from-disk API: register, sync, validate and plan, with their permissions and errors."""

import io
import json
import tarfile

import pytest

from packs.models import Pack
from tests.conftest import assert_error, client_for
from workflows.models import Workflow

REGISTER = "/api/v1/packs/register"
UPLOAD = "/api/v1/packs/upload"
BROKEN_GRAPH = "tasks: []\n"  # 'tasks' must be a non-empty list


def sync_url(ref, query=""):
    return f"/api/v1/packs/{ref}/workflows/sync{query}"


def validate_url(ref):
    return f"/api/v1/packs/{ref}/workflows/validate"


def plan_url(ref):
    return f"/api/v1/packs/{ref}/plan"


def rows() -> dict:
    """Every workflow in the database as ref -> (pack ref, label, source sha256)."""
    return {
        ref: (pack, label, sha)
        for ref, pack, label, sha in Workflow.objects.values_list(
            "ref", "pack__ref", "label", "source_sha256"
        )
    }


def packs_snapshot() -> list:
    return list(
        Pack.objects.exclude(ref="core").order_by("ref").values_list("ref", "label", "description", "updated")
    )


def changes(plan: dict) -> dict:
    return {change["ref"]: (change["action"], change["fields"]) for change in plan["workflows"]}


@pytest.fixture
def demo(make_pack_dir, packs_dir):
    """A pack `demo` in the packs directory with an action-linked and a standalone workflow."""
    return make_pack_dir("demo", root=packs_dir).action_workflow("deploy").standalone("nightly")


@pytest.fixture
def registered(api_client, demo):
    """`demo`, registered through the API."""
    response = api_client.post(REGISTER, {"path": "demo"})
    assert response.status_code == 201, response.content
    return demo


# --- register ---------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_register_loads_the_pack_and_returns_it_with_the_applied_plan(api_client, demo, absolute):
    path = str(demo.path) if absolute else "demo"
    response = api_client.post(REGISTER, {"path": path})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["pack"]["ref"] == "demo"
    assert data["pack"]["workflow_count"] == 2
    assert sorted(w["ref"] for w in data["pack"]["workflows"]) == ["demo.deploy", "demo.nightly"]
    assert data["plan"]["action"] == "create"
    assert data["plan"]["source_dir"] == str(demo.path.resolve())
    assert changes(data["plan"]) == {"demo.deploy": ("create", []), "demo.nightly": ("create", [])}
    pack = Pack.objects.get(ref="demo")
    assert pack.source_dir == str(demo.path.resolve())
    assert rows().keys() == {"demo.deploy", "demo.nightly"}
    ids = {change["ref"]: change["id"] for change in data["plan"]["workflows"]}
    assert ids == dict(Workflow.objects.values_list("ref", "id"))


def test_register_of_a_registered_pack_without_force_is_a_conflict(api_client, registered):
    registered.action_workflow("deploy", label="Changed on disk")
    before_packs, before_rows = packs_snapshot(), rows()
    response = api_client.post(REGISTER, {"path": "demo"})
    assert_error(response, 409, "CONFLICT")
    assert "force" in response.json()["error"]
    assert packs_snapshot() == before_packs
    assert rows() == before_rows
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"


def test_register_with_force_applies_the_changes_and_names_the_fields(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    deploy_id = Workflow.objects.get(ref="demo.deploy").id
    response = api_client.post(REGISTER, {"path": "demo", "force": True})
    assert response.status_code == 201, response.content
    plan = response.json()["data"]["plan"]
    assert plan["action"] == "unchanged"
    assert changes(plan) == {
        "demo.deploy": ("update", ["label", "metadata_text", "metadata_sha256"]),
        "demo.nightly": ("unchanged", []),
    }
    deploy = Workflow.objects.get(ref="demo.deploy")
    assert (deploy.id, deploy.label) == (deploy_id, "Deploy v2")


def test_register_with_force_prunes_workflows_gone_from_disk(api_client, registered):
    (registered.path / "workflows/nightly.yaml").unlink()
    response = api_client.post(REGISTER, {"path": "demo", "force": True})
    assert response.status_code == 201, response.content
    assert changes(response.json()["data"]["plan"])["demo.nightly"] == ("delete", [])
    assert rows().keys() == {"demo.deploy"}


def test_register_rejects_a_force_that_is_not_a_json_boolean(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    body = assert_error(api_client.post(REGISTER, {"path": "demo", "force": "yes"}), 400, "VALIDATION_ERROR")
    assert "force" in body["details"]
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"


@pytest.mark.parametrize("path", ["/etc", "../outside", "../packs-dir/../outside", "/"])
def test_register_refuses_a_path_outside_the_packs_dir(api_client, make_pack_dir, packs_dir, path):
    make_pack_dir("outside")  # a valid pack next to the packs dir, not inside it
    body = assert_error(api_client.post(REGISTER, {"path": path}), 403, "FORBIDDEN")
    assert body["error"] == f"'{path}' is outside the packs directory (ATTUNE_PACKS_DIR)"
    assert str(packs_dir) not in json.dumps(body)  # where the directory is stays private
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_register_refuses_a_symlink_in_the_packs_dir_that_leads_outside(api_client, make_pack_dir, packs_dir):
    outside = make_pack_dir("demo").standalone("nightly")
    (packs_dir / "demo").symlink_to(outside.path, target_is_directory=True)
    assert_error(api_client.post(REGISTER, {"path": "demo"}), 403, "FORBIDDEN")
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_register_follows_a_symlink_that_stays_inside_the_packs_dir(api_client, make_pack_dir, packs_dir):
    real = make_pack_dir("demo", root=packs_dir / "checkouts").standalone("nightly")
    (packs_dir / "current").symlink_to(real.path, target_is_directory=True)
    response = api_client.post(REGISTER, {"path": "current"})
    assert response.status_code == 201, response.content
    assert Pack.objects.get(ref="demo").source_dir == str(real.path.resolve())


def test_register_lists_problems_per_file_with_line_and_column(api_client, make_pack_dir, packs_dir):
    pack = make_pack_dir("demo", root=packs_dir).standalone("nightly")
    pack.write("pack.yaml", 'ref: demo\nlabel: Demo\ndescription: x\nversion: "1.0.0"\nlabel: Again\n')
    body = assert_error(api_client.post(REGISTER, {"path": "demo"}), 400, "VALIDATION_ERROR")
    assert body["details"] == {"pack.yaml": ["5:1: duplicate key 'label' (first defined on line 2)"]}
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_register_lists_every_broken_workflow_and_writes_none(api_client, make_pack_dir, packs_dir):
    pack = make_pack_dir("demo", root=packs_dir).standalone("nightly")
    pack.write("workflows/one.yaml", BROKEN_GRAPH)
    pack.write("workflows/two.yaml", "enabled: 'yes'\ntasks:\n  - name: a\n    action: core.echo\n")
    body = assert_error(api_client.post(REGISTER, {"path": "demo"}), 400, "VALIDATION_ERROR")
    assert body["details"] == {
        "workflows/one.yaml": ["1:8: W005-empty-list: 'tasks' must not be empty."],
        "workflows/two.yaml": ["1:10: enabled: must be true or false"],
    }
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_register_of_an_invalid_pack_leaves_the_registered_one_unchanged(api_client, registered):
    registered.write("workflows/nightly.yaml", BROKEN_GRAPH)
    registered.action_workflow("deploy", label="Deploy v2")
    before_packs, before_rows = packs_snapshot(), rows()
    assert_error(api_client.post(REGISTER, {"path": "demo", "force": True}), 400, "VALIDATION_ERROR")
    assert packs_snapshot() == before_packs and rows() == before_rows


def test_register_of_a_missing_directory_is_a_validation_error(api_client, packs_dir):
    assert_error(api_client.post(REGISTER, {"path": "nowhere"}), 400, "VALIDATION_ERROR")
    assert not Pack.objects.exclude(ref="core").exists()


@pytest.mark.parametrize("kind", ["symlink_loop", "name_too_long"])
def test_register_answers_a_path_the_filesystem_cannot_use_with_an_error_not_a_crash(
    api_client, packs_dir, kind
):
    if kind == "symlink_loop":
        (packs_dir / "loop").symlink_to(packs_dir / "loop")
        path = "loop"
    else:
        path = "a" * 300  # longer than NAME_MAX on every common filesystem
    response = api_client.post(REGISTER, {"path": path})
    codes = {400: "VALIDATION_ERROR", 403: "FORBIDDEN"}  # either is fair; a 500 is not
    assert response.status_code in codes, response.content
    assert_error(response, response.status_code, codes[response.status_code])
    assert not Pack.objects.exclude(ref="core").exists()


@pytest.mark.parametrize("ref", ["register", "upload"])
def test_create_pack_rejects_a_ref_the_disk_endpoints_use(api_client, ref):
    body = assert_error(
        api_client.post("/api/v1/packs", {"ref": ref, "label": "X", "version": "1.0.0"}),
        400,
        "VALIDATION_ERROR",
    )
    assert "reserved" in body["details"]["ref"][0]
    assert not Pack.objects.exclude(ref="core").exists()


def test_create_pack_accepts_a_ref_that_only_starts_like_a_reserved_one(api_client):
    response = api_client.post("/api/v1/packs", {"ref": "register2", "label": "X", "version": "1.0.0"})
    assert response.status_code == 201, response.content
    assert Pack.objects.filter(ref="register2").exists()


@pytest.mark.parametrize("ref", ["register", "upload"])
def test_a_pack_yaml_with_a_reserved_ref_is_refused(api_client, make_pack_dir, packs_dir, ref):
    pack = make_pack_dir("demo", root=packs_dir)
    pack.write("pack.yaml", f'ref: {ref}\nlabel: X\ndescription: x\nversion: "1.0.0"\n')
    body = assert_error(api_client.post(REGISTER, {"path": "demo"}), 400, "VALIDATION_ERROR")
    assert "reserved" in body["details"]["pack.yaml"][0]
    assert not Pack.objects.exclude(ref="core").exists()


# --- sync -------------------------------------------------------------------------------------


def test_sync_of_an_unchanged_pack_reports_every_workflow_and_writes_nothing(api_client, registered):
    before = list(Workflow.objects.order_by("ref").values_list("id", "updated"))
    response = api_client.post(sync_url("demo"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    ids = dict(Workflow.objects.values_list("ref", "id"))
    assert data["pack_ref"] == "demo"
    assert (data["loaded_count"], data["registered_count"], data["errors"]) == (2, 0, [])
    assert sorted(data["workflows"], key=lambda w: w["ref_name"]) == [
        {"ref_name": "demo.deploy", "created": False, "warnings": [], "workflow_def_id": ids["demo.deploy"]},
        {
            "ref_name": "demo.nightly",
            "created": False,
            "warnings": [],
            "workflow_def_id": ids["demo.nightly"],
        },
    ]
    assert data["plan"]["action"] == "unchanged"
    assert list(Workflow.objects.order_by("ref").values_list("id", "updated")) == before


def test_sync_creates_updates_and_prunes_to_match_the_disk(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    registered.standalone("weekly")
    (registered.path / "workflows/nightly.yaml").unlink()
    response = api_client.post(sync_url("demo"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["loaded_count"], data["registered_count"]) == (2, 2)
    assert {w["ref_name"]: w["created"] for w in data["workflows"]} == {
        "demo.deploy": False,
        "demo.weekly": True,
    }
    assert changes(data["plan"]) == {
        "demo.deploy": ("update", ["label", "metadata_text", "metadata_sha256"]),
        "demo.weekly": ("create", []),
        "demo.nightly": ("delete", []),
    }
    weekly = next(w for w in data["workflows"] if w["ref_name"] == "demo.weekly")
    assert weekly["workflow_def_id"] == Workflow.objects.get(ref="demo.weekly").id
    assert rows().keys() == {"demo.deploy", "demo.weekly"}
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy v2"


def test_sync_dry_run_returns_the_plan_and_writes_nothing(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    (registered.path / "workflows/nightly.yaml").unlink()
    before = rows()
    response = api_client.post(sync_url("demo", "?dry_run=true"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert "dry run" in response.json()["message"]
    assert changes(data["plan"]) == {
        "demo.deploy": ("update", ["label", "metadata_text", "metadata_sha256"]),
        "demo.nightly": ("delete", []),
    }
    assert rows() == before


@pytest.mark.parametrize("value", ["1", "yes", "True"])
def test_sync_never_writes_when_dry_run_is_given_in_another_spelling(api_client, registered, value):
    # A client asking for a dry run must not get a real sync: refuse the value (400) or honour it.
    registered.action_workflow("deploy", label="Deploy v2")
    before = rows()
    response = api_client.post(sync_url("demo", f"?dry_run={value}"))
    assert response.status_code in (200, 400), response.content
    assert rows() == before


def test_sync_of_a_pack_created_over_the_api_is_refused(api_client, make_pack, packs_dir):
    make_pack("handmade")
    body = assert_error(api_client.post(sync_url("handmade")), 400, "VALIDATION_ERROR")
    assert body["details"] == {"pack.yaml": ["this pack was not loaded from disk"]}
    assert not Workflow.objects.exists()


def test_sync_of_a_pack_whose_file_became_invalid_changes_nothing(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    registered.write("workflows/nightly.yaml", BROKEN_GRAPH)
    before_packs, before_rows = packs_snapshot(), rows()
    body = assert_error(api_client.post(sync_url("demo")), 400, "VALIDATION_ERROR")
    assert body["details"] == {"workflows/nightly.yaml": ["1:8: W005-empty-list: 'tasks' must not be empty."]}
    assert packs_snapshot() == before_packs and rows() == before_rows


def test_sync_refuses_a_pack_yaml_whose_ref_changed(api_client, make_pack_dir, packs_dir):
    pack = make_pack_dir("solo", root=packs_dir)
    assert api_client.post(REGISTER, {"path": "solo"}).status_code == 201
    pack.write("pack.yaml", 'ref: renamed\nlabel: Solo\ndescription: x\nversion: "1.0.0"\n')
    body = assert_error(api_client.post(sync_url("solo")), 400, "VALIDATION_ERROR")
    assert body["details"] == {"pack.yaml": ["ref is now 'renamed', but this pack is 'solo'"]}
    assert list(Pack.objects.exclude(ref="core").values_list("ref", "label")) == [("solo", "Solo")]


def test_sync_refuses_a_source_dir_no_longer_inside_the_packs_dir(api_client, registered, settings, tmp_path):
    settings.ATTUNE_PACKS_DIR = tmp_path / "elsewhere"
    registered.action_workflow("deploy", label="Deploy v2")
    assert_error(api_client.post(sync_url("demo")), 403, "FORBIDDEN")
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"


def test_sync_of_an_unknown_pack_is_not_found(api_client, packs_dir):
    assert_error(api_client.post(sync_url("ghost")), 404, "NOT_FOUND")


# --- validate and plan --------------------------------------------------------------------------


def test_validate_of_a_valid_pack_counts_its_workflows(api_client, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    response = api_client.post(validate_url("demo"))
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {
        "pack_ref": "demo",
        "validated_count": 2,
        "error_count": 0,
        "errors": {},
    }
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"  # validating writes nothing


def test_validate_of_a_broken_pack_lists_problems_by_workflow_ref(api_client, registered):
    registered.write("workflows/nightly.yaml", BROKEN_GRAPH)
    registered.write("workflows/other.yaml", "enabled: 'yes'\ntasks: []\n")
    before = rows()
    response = api_client.post(validate_url("demo"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["errors"] == {
        "demo.nightly": ["workflows/nightly.yaml:1:8: W005-empty-list: 'tasks' must not be empty."],
        "demo.other": [
            "workflows/other.yaml:1:10: enabled: must be true or false",
            "workflows/other.yaml:2:8: W005-empty-list: 'tasks' must not be empty.",
        ],
    }
    assert (data["pack_ref"], data["validated_count"], data["error_count"]) == ("demo", 3, 3)
    assert rows() == before


def test_validate_keys_a_manifest_problem_by_its_file(api_client, registered):
    registered.write("pack.yaml", 'ref: demo\nlabel: Demo\ndescription: x\nversion: "one"\n')
    data = api_client.post(validate_url("demo")).json()["data"]
    assert list(data["errors"]) == ["pack.yaml"]
    assert data["error_count"] == 1


def test_validate_of_an_unknown_pack_is_not_found(api_client, packs_dir):
    assert_error(api_client.post(validate_url("ghost")), 404, "NOT_FOUND")


def test_plan_shows_what_a_sync_would_do_and_writes_nothing(api_client, registered):
    registered.standalone("weekly")
    (registered.path / "actions/deploy.yaml").unlink()
    before = rows()
    response = api_client.get(plan_url("demo"))
    assert response.status_code == 200, response.content
    plan = response.json()["data"]
    assert (plan["ref"], plan["action"]) == ("demo", "unchanged")
    assert changes(plan) == {
        "demo.nightly": ("unchanged", []),
        "demo.weekly": ("create", []),
        "demo.deploy": ("delete", []),
    }
    assert rows() == before


def test_plan_of_an_invalid_pack_lists_the_problems(api_client, registered):
    registered.write("workflows/nightly.yaml", BROKEN_GRAPH)
    body = assert_error(api_client.get(plan_url("demo")), 400, "VALIDATION_ERROR")
    assert list(body["details"]) == ["workflows/nightly.yaml"]


def test_plan_of_an_unknown_pack_is_not_found(api_client, packs_dir):
    assert_error(api_client.get(plan_url("ghost")), 404, "NOT_FOUND")


# --- permissions ------------------------------------------------------------------------------


def upload_body():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b'ref: uploaded\nlabel: Up\ndescription: x\nversion: "1.0.0"\n'
        info = tarfile.TarInfo("pack.yaml")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    buffer.name = "uploaded.tgz"
    return buffer


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("post", REGISTER, {"path": "demo"}, 403),
        ("post", UPLOAD, None, 403),
        ("post", sync_url("demo"), None, 403),
        ("post", validate_url("demo"), None, 200),
        ("get", plan_url("demo"), None, 200),
    ],
    ids=["register", "upload", "sync", "validate", "plan"],
)
def test_a_user_without_permissions_may_only_read(
    reader_client, api_client, registered, packs_dir, method, url, body, status
):
    registered.action_workflow("deploy", label="Deploy v2")
    before_packs, before_rows = packs_snapshot(), rows()
    before_files = sorted(p.name for p in packs_dir.iterdir())
    if url == UPLOAD:
        response = reader_client.post(url, {"file": upload_body()}, format="multipart")
    elif method == "post":
        response = reader_client.post(url, body)
    else:
        response = reader_client.get(url)
    if status == 403:
        assert_error(response, 403, "FORBIDDEN")
    else:
        assert response.status_code == 200, response.content
    assert packs_snapshot() == before_packs and rows() == before_rows
    assert sorted(p.name for p in packs_dir.iterdir()) == before_files


def test_a_user_who_may_add_packs_can_register(make_user, demo):
    client = client_for(make_user("adder", perms=["packs.add_pack"]))
    response = client.post(REGISTER, {"path": "demo"})
    assert response.status_code == 201, response.content
    assert rows().keys() == {"demo.deploy", "demo.nightly"}


def test_a_user_who_may_only_change_packs_cannot_register(make_user, demo):
    client = client_for(make_user("changer", perms=["packs.change_pack"]))
    assert_error(client.post(REGISTER, {"path": "demo"}), 403, "FORBIDDEN")
    assert not Pack.objects.exclude(ref="core").exists()


def test_register_with_force_needs_the_change_permission(make_user, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    client = client_for(make_user("adder", perms=["packs.add_pack"]))
    body = assert_error(client.post(REGISTER, {"path": "demo", "force": True}), 403, "FORBIDDEN")
    assert "packs.change_pack" in body["error"]
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"


def test_register_with_force_works_with_add_and_change_permissions(make_user, registered):
    registered.action_workflow("deploy", label="Deploy v2")
    client = client_for(make_user("maintainer", perms=["packs.add_pack", "packs.change_pack"]))
    assert client.post(REGISTER, {"path": "demo", "force": True}).status_code == 201
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy v2"


@pytest.mark.parametrize(("perms", "status"), [(["packs.change_pack"], 200), (["packs.add_pack"], 403)])
def test_sync_needs_the_change_permission(make_user, registered, perms, status):
    registered.action_workflow("deploy", label="Deploy v2")
    response = client_for(make_user("someone", perms=perms)).post(sync_url("demo"))
    assert response.status_code == status, response.content
    expected = "Deploy v2" if status == 200 else "Deploy"
    assert Workflow.objects.get(ref="demo.deploy").label == expected


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", REGISTER),
        ("post", sync_url("demo")),
        ("post", validate_url("demo")),
        ("get", plan_url("demo")),
    ],
    ids=["register", "sync", "validate", "plan"],
)
def test_disk_endpoints_need_authentication(anon_client, registered, method, url):
    registered.action_workflow("deploy", label="Deploy v2")
    assert_error(getattr(anon_client, method)(url, {"path": "demo"}), 401, "UNAUTHORIZED")
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy"


def test_register_reads_the_pack_dir_without_touching_its_files(api_client, demo, packs_dir):
    before = {p: p.read_bytes() for p in packs_dir.rglob("*") if p.is_file()}
    assert api_client.post(REGISTER, {"path": "demo"}).status_code == 201
    assert {p: p.read_bytes() for p in packs_dir.rglob("*") if p.is_file()} == before


# --- pruning needs the workflow delete permission -------------------------------------------


def test_sync_that_prunes_needs_the_workflow_delete_permission(make_user, registered):
    (registered.path / "workflows/nightly.yaml").unlink()
    before = rows()
    changer = client_for(make_user("changer", perms=["packs.change_pack"]))
    body = assert_error(changer.post(sync_url("demo")), 403, "FORBIDDEN")
    assert "workflows.delete_workflow" in body["error"]
    assert rows() == before
    pruner = client_for(make_user("pruner", perms=["packs.change_pack", "workflows.delete_workflow"]))
    response = pruner.post(sync_url("demo"))
    assert response.status_code == 200
    assert changes(response.json()["data"]["plan"])["demo.nightly"] == ("delete", [])
    assert "demo.nightly" not in rows()


def test_sync_without_deletions_needs_only_the_pack_change_permission(make_user, registered):
    registered.standalone("nightly", label="Renamed")
    changer = client_for(make_user("changer", perms=["packs.change_pack"]))
    assert changer.post(sync_url("demo")).status_code == 200
    assert rows()["demo.nightly"][1] == "Renamed"


def test_sync_that_prunes_actions_needs_the_action_delete_permission(api_client, make_user, registered):
    from actions.models import Action

    registered.write("actions/run.sh", "echo\n")
    registered.write("actions/ping.yaml", "ref: demo.ping\nrunner_type: shell\nentry_point: run.sh\n")
    root = api_client
    assert root.post(sync_url("demo")).status_code == 200
    (registered.path / "actions/ping.yaml").unlink()
    changer = client_for(make_user("changer", perms=["packs.change_pack", "workflows.delete_workflow"]))
    body = assert_error(changer.post(sync_url("demo")), 403, "FORBIDDEN")
    assert "actions.delete_action" in body["error"]
    assert Action.objects.filter(ref="demo.ping").exists()
    plan = root.get(plan_url("demo")).json()["data"]
    assert {c["ref"]: c["action"] for c in plan["actions"]} == {
        "demo.deploy": "unchanged",
        "demo.ping": "delete",
    }
    assert root.post(sync_url("demo")).status_code == 200
    assert not Action.objects.filter(ref="demo.ping").exists()
