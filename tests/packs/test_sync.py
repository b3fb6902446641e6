"""Disk to database: plans, idempotent re-loads, pruning, ownership, atomicity, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from packs.models import Pack
from packs.ondisk.loader import PackInvalid, read_pack
from packs.ondisk.sync import load_packs
from workflows.models import Workflow

WRITES = ("INSERT", "UPDATE", "DELETE")


def load(path, **options):
    return load_packs([read_pack(path)], **options)[0]


def changes(plan) -> dict:
    return {change.ref: (change.action, change.fields) for change in plan.workflows}


def test_first_load_creates_the_pack_and_its_workflows(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    plan = load(pack_dir.path)
    assert plan.action == "create"
    assert changes(plan) == {"demo.deploy": ("create", []), "demo.nightly": ("create", [])}
    pack = Pack.objects.get(ref="demo")
    assert pack.source_dir == str(pack_dir.path)
    assert pack.manifest_text.startswith("ref: demo")
    deploy = Workflow.objects.get(ref="demo.deploy")
    assert (deploy.pack_id, deploy.label, deploy.metadata_path) == (pack.id, "Deploy", "actions/deploy.yaml")
    assert deploy.source_text == (pack_dir.path / "actions/workflows/deploy.workflow.yaml").read_text()
    assert [change.id for change in plan.workflows] == list(
        Workflow.objects.filter(ref__in=["demo.deploy", "demo.nightly"])
        .order_by("ref")
        .values_list("id", flat=True)
    )


def test_second_load_of_unchanged_files_writes_nothing(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    load(pack_dir.path)
    before = list(Workflow.objects.values_list("id", "updated"))
    with CaptureQueriesContext(connection) as queries:
        plan = load(pack_dir.path)
    assert plan.action == "unchanged" and plan.rows_written == 0
    assert {action for action, _ in changes(plan).values()} == {"unchanged"}
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert list(Workflow.objects.values_list("id", "updated")) == before


def test_changed_file_updates_only_its_workflow_and_names_the_fields(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    load(pack_dir.path)
    deploy_id = Workflow.objects.get(ref="demo.deploy").id
    pack_dir.action_workflow("deploy", label="Deploy v2")
    plan = load(pack_dir.path)
    assert changes(plan) == {
        "demo.deploy": ("update", ["label", "metadata_text", "metadata_sha256"]),
        "demo.nightly": ("unchanged", []),
    }
    deploy = Workflow.objects.get(ref="demo.deploy")
    assert (deploy.id, deploy.label) == (deploy_id, "Deploy v2")  # updated in place, id kept


def test_workflow_removed_from_disk_is_deleted(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    load(pack_dir.path)
    (pack_dir.path / "workflows/nightly.yaml").unlink()
    plan = load(pack_dir.path)
    assert changes(plan)["demo.nightly"] == ("delete", [])
    assert list(Workflow.objects.values_list("ref", flat=True)) == ["demo.deploy"]


def test_no_prune_keeps_workflows_missing_from_disk(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    load(pack_dir.path)
    (pack_dir.path / "workflows/nightly.yaml").unlink()
    plan = load(pack_dir.path, prune=False)
    assert changes(plan)["demo.nightly"] == ("unchanged", [])
    assert "demo.nightly: not on disk, kept (--no-prune)" in plan.notes
    assert Workflow.objects.filter(ref="demo.nightly").exists()


def test_dry_run_plans_and_writes_nothing(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    plan = load(pack_dir.path, dry_run=True)
    assert plan.action == "create" and changes(plan) == {"demo.deploy": ("create", [])}
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_manifest_changes_are_planned_per_field(db, make_pack_dir):
    pack_dir = make_pack_dir("demo")
    load(pack_dir.path)
    pack_dir.write("pack.yaml", 'ref: demo\nlabel: Demo\ndescription: Changed\nversion: "1.1.0"\ntags: [x]\n')
    plan = load(pack_dir.path)
    assert plan.action == "update"
    assert set(plan.fields) == {"description", "version", "tags", "manifest_text", "manifest_sha256"}
    pack = Pack.objects.get(ref="demo")
    assert (pack.description, pack.version, pack.tags) == ("Changed", "1.1.0", ["x"])


def test_operator_config_is_kept_when_the_manifest_has_none(db, make_pack_dir):
    pack_dir = make_pack_dir("demo")
    load(pack_dir.path)
    Pack.objects.filter(ref="demo").update(config={"token": "set-by-operator"})
    assert load(pack_dir.path).action == "unchanged"
    assert Pack.objects.get(ref="demo").config == {"token": "set-by-operator"}


def test_workflow_owned_by_another_pack_is_an_error_not_a_takeover(db, make_pack_dir, make_pack):
    other = make_pack("other")
    Workflow.objects.create(
        ref="demo.deploy", pack=other, label="x", version="1.0.0", definition={"tasks": [{"name": "a"}]}
    )
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    with pytest.raises(PackInvalid) as caught:
        load(pack_dir.path)
    assert [p.message for p in caught.value.problems] == [
        "workflow 'demo.deploy' already belongs to pack 'other'"
    ]
    assert Workflow.objects.get(ref="demo.deploy").pack_id == other.id
    assert not Pack.objects.filter(ref="demo").exists()


def test_several_packs_load_in_one_transaction(db, make_pack_dir, make_pack):
    first = make_pack_dir("first").standalone("one")
    second = make_pack_dir("second").standalone("two")
    Workflow.objects.create(
        ref="second.two",
        pack=make_pack("squatter"),
        label="x",
        version="1.0.0",
        definition={"tasks": [{"name": "a"}]},
    )
    with pytest.raises(PackInvalid):
        load_packs([read_pack(first.path), read_pack(second.path)])
    assert not Pack.objects.filter(ref__in=["first", "second"]).exists()
    assert not Workflow.objects.filter(ref="first.one").exists()


@pytest.mark.parametrize("action", ["create", "update"])
def test_query_count_does_not_grow_with_the_number_of_workflows(db, make_pack_dir, tmp_path, action):
    counts = []
    for size in (5, 60):
        pack_dir = make_pack_dir(f"p{size}", root=tmp_path / action)
        for index in range(size):
            pack_dir.standalone(f"w{index}")
        if action == "update":
            load(pack_dir.path)
            for index in range(size):
                pack_dir.standalone(f"w{index}", label=f"Changed {index}")
        spec = read_pack(pack_dir.path)
        with CaptureQueriesContext(connection) as queries:
            load_packs([spec])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_stored_config_wins_and_the_manifest_fills_missing_keys(db, make_pack_dir):
    pack_dir = make_pack_dir("demo")
    manifest = 'ref: demo\nlabel: D\ndescription: d\nversion: "1.0.0"\nconfig: {{{}}}\n'
    pack_dir.write("pack.yaml", manifest.format("region: eu, size: small"))
    load(pack_dir.path)
    assert Pack.objects.get(ref="demo").config == {"region": "eu", "size": "small"}
    Pack.objects.filter(ref="demo").update(config={"region": "us", "token": "set-on-server"})
    pack_dir.write("pack.yaml", manifest.format("region: eu, size: large, zone: a"))
    plan = load(pack_dir.path)
    assert "config" in plan.fields
    # Stored keys keep their values; keys only the manifest has are added.
    assert Pack.objects.get(ref="demo").config == {
        "region": "us",
        "token": "set-on-server",
        "size": "large",
        "zone": "a",
    }


def test_unread_files_are_named_in_the_notes(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    pack_dir.write("README.md", "# Demo\n")
    pack_dir.write("actions/deploy.py", "print('hi')\n")
    pack_dir.write("actions/workflows/orphan.workflow.yaml", "tasks: []\n")
    plan = load(pack_dir.path)
    assert (
        "kept on disk, not loaded: README.md, actions/deploy.py, actions/workflows/orphan.workflow.yaml"
        in plan.notes
    )


def test_sub_workflows_resolve_within_the_pack_then_the_database(db, make_pack_dir, make_workflow):
    graph = 'version: "1.0.0"\ntasks:\n  - name: run\n    type: workflow\n    action: {target}\n'
    pack_dir = make_pack_dir("demo").standalone("child")
    pack_dir.write("workflows/parent.yaml", graph.format(target="demo.child"))
    pack_dir.write("workflows/other.yaml", graph.format(target="ext.flow"))
    plan = load(pack_dir.path, dry_run=True)
    warnings = [note for note in plan.notes if "W401" in note]
    assert warnings == [
        "workflows/other.yaml (task run): W401-unknown-workflow: No workflow 'ext.flow' exists (yet): "
        "load it before running this one. (warning)"
    ]
    make_workflow("ext.flow")
    assert not [note for note in load(pack_dir.path, dry_run=True).notes if "W401" in note]
