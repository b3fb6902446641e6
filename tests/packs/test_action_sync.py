"""Actions from disk to the database: plans, idempotent re-loads, pruning, ownership, atomicity."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from packs.models import Pack
from packs.ondisk.loader import PackInvalid, read_pack
from packs.ondisk.sync import load_packs
from workflows.models import Workflow

WRITES = ("INSERT", "UPDATE", "DELETE")
RUNNER = "ref: {ref}\nlabel: {label}\nrunner_type: shell\nentry_point: run.sh\n"


def load(path, **options):
    return load_packs([read_pack(path)], **options)[0]


def action_changes(plan) -> dict:
    return {change.ref: (change.action, change.fields) for change in plan.actions}


@pytest.fixture
def pack_dir(make_pack_dir):
    pack = make_pack_dir("demo").action_workflow("deploy")
    pack.write("actions/run.sh", "echo ok\n")
    pack.write("actions/ping.yaml", RUNNER.format(ref="demo.ping", label="Ping"))
    return pack


def test_first_load_creates_runner_and_workflow_actions(db, pack_dir):
    plan = load(pack_dir.path)
    assert action_changes(plan) == {"demo.ping": ("create", []), "demo.deploy": ("create", [])}
    ping, deploy = Action.objects.get(ref="demo.ping"), Action.objects.get(ref="demo.deploy")
    assert (ping.pack.ref, ping.runner_type, ping.entry_point, ping.workflow_id) == (
        "demo",
        "shell",
        "run.sh",
        None,
    )
    assert ping.source_text == (pack_dir.path / "actions/ping.yaml").read_text()
    assert (deploy.runner_type, deploy.workflow) == ("workflow", Workflow.objects.get(ref="demo.deploy"))
    assert [change.id for change in plan.actions] == [deploy.pk, ping.pk]  # in file order
    assert plan.rows_written == 4  # pack, workflow, two actions
    assert "actions: 2 created, 0 updated, 0 deleted, 0 unchanged" in plan.summary()


def test_second_load_of_unchanged_files_writes_no_row(db, pack_dir):
    load(pack_dir.path)
    spec = read_pack(pack_dir.path)
    with CaptureQueriesContext(connection) as queries:
        plan = load_packs([spec])[0]
    assert action_changes(plan) == {"demo.ping": ("unchanged", []), "demo.deploy": ("unchanged", [])}
    assert plan.rows_written == 0
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_a_changed_action_file_updates_its_row_and_names_the_fields(db, pack_dir):
    load(pack_dir.path)
    before = Action.objects.get(ref="demo.ping")
    pack_dir.write("actions/ping.yaml", RUNNER.format(ref="demo.ping", label="Ping twice"))
    plan = load(pack_dir.path)
    assert action_changes(plan)["demo.ping"] == ("update", ["label", "source_text", "source_sha256"])
    assert action_changes(plan)["demo.deploy"] == ("unchanged", [])
    after = Action.objects.get(ref="demo.ping")
    assert (after.pk, after.label, after.revision) == (before.pk, "Ping twice", before.revision + 1)


def test_an_action_removed_from_disk_is_deleted_unless_no_prune(db, pack_dir):
    load(pack_dir.path)
    (pack_dir.path / "actions/ping.yaml").unlink()
    kept = load(pack_dir.path, prune=False)
    assert action_changes(kept)["demo.ping"] == ("unchanged", [])
    assert "demo.ping: action not on disk, kept (--no-prune)" in kept.notes
    assert Action.objects.filter(ref="demo.ping").exists()
    pruned = load(pack_dir.path)
    assert action_changes(pruned)["demo.ping"] == ("delete", [])
    assert not Action.objects.filter(ref="demo.ping").exists()


def test_a_pruned_workflow_takes_its_workflow_action_along(db, pack_dir):
    load(pack_dir.path)
    (pack_dir.path / "actions/deploy.yaml").unlink()
    plan = load(pack_dir.path)
    assert action_changes(plan)["demo.deploy"] == ("delete", [])
    assert not Action.objects.filter(ref="demo.deploy").exists()
    assert not Workflow.objects.filter(ref="demo.deploy").exists()


def test_a_workflow_action_turned_runner_action_keeps_its_row(db, pack_dir):
    load(pack_dir.path)
    before = Action.objects.get(ref="demo.deploy")
    pack_dir.write("actions/deploy.yaml", RUNNER.format(ref="demo.deploy", label="Deploy"))
    plan = load(pack_dir.path)
    assert "workflow" in action_changes(plan)["demo.deploy"][1]
    after = Action.objects.get(ref="demo.deploy")
    assert (after.pk, after.runner_type, after.workflow_id) == (before.pk, "shell", None)
    assert not Workflow.objects.filter(ref="demo.deploy").exists()


def test_dry_run_plans_actions_and_writes_nothing(db, pack_dir):
    plan = load(pack_dir.path, dry_run=True)
    assert action_changes(plan) == {"demo.ping": ("create", []), "demo.deploy": ("create", [])}
    assert not Action.objects.filter(pack__ref="demo").exists()


def test_an_action_owned_by_another_pack_is_an_error_not_a_takeover(db, pack_dir, make_pack):
    other = make_pack("other")
    Action.objects.create(
        ref="demo.ping", pack=other, label="Theirs", runner_type="python", entry_point="p.py"
    )
    with pytest.raises(PackInvalid) as caught:
        load(pack_dir.path)
    assert [str(p) for p in caught.value.problems] == [
        "actions/ping.yaml:1:6: action 'demo.ping' already belongs to pack 'other'"
    ]
    assert not Pack.objects.filter(ref="demo").exists()
    assert Action.objects.get(ref="demo.ping").label == "Theirs"


def test_one_invalid_pack_means_no_action_is_written(db, pack_dir, make_pack_dir):
    bad = make_pack_dir("bad")
    bad.write("actions/x.yaml", "ref: bad.x\nrunner_type: shell\nentry_point: nope.sh\n")
    with pytest.raises(PackInvalid):
        load_packs([read_pack(pack_dir.path), read_pack(bad.path)])
    assert not Action.objects.filter(pack__ref__in=["demo", "bad"]).exists()


def test_query_count_does_not_grow_with_the_number_of_actions(db, make_pack_dir, tmp_path):
    counts = []
    for size in (5, 60):
        pack = make_pack_dir(f"p{size}", root=tmp_path)
        pack.write("actions/run.sh", "echo\n")
        for index in range(size):
            pack.write(f"actions/a{index}.yaml", RUNNER.format(ref=f"p{size}.a{index}", label="A"))
        spec = read_pack(pack.path)
        with CaptureQueriesContext(connection) as queries:
            load_packs([spec])
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_actions_resolve_within_the_pack_then_the_database(db, pack_dir, make_pack):
    graph = 'version: "1.0.0"\ntasks:\n  - name: go\n    action: {target}\n'
    pack_dir.write("workflows/own.yaml", graph.format(target="demo.ping"))
    pack_dir.write("workflows/core_one.yaml", graph.format(target="core.echo"))
    pack_dir.write("workflows/sub.yaml", graph.format(target="demo.deploy"))
    pack_dir.write("workflows/other.yaml", graph.format(target="ext.act"))
    pack_dir.write("workflows/nested.yaml", "tasks:\n  - name: p\n    type: workflow\n    action: demo.own\n")
    plan = load(pack_dir.path, dry_run=True)
    assert [note for note in plan.notes if "W402" in note] == [
        "workflows/other.yaml (task go): W402-unknown-action: No action 'ext.act' exists (yet): "
        "load its pack before running this workflow. (warning)"
    ]
    Action.objects.create(
        ref="ext.act", pack=make_pack("ext"), label="A", runner_type="python", entry_point="a.py"
    )
    assert not [note for note in load(pack_dir.path, dry_run=True).notes if "W402" in note]
