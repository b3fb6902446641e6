"""Loads from disk count revisions like API writes, and never re-create a deleted pack."""

import pytest

from packs.models import Pack
from packs.ondisk import operations as disk
from packs.ondisk.loader import read_pack
from packs.ondisk.sync import load_packs
from workflows.models import Workflow


def load(path):
    return load_packs([read_pack(path)])[0]


def test_a_reload_counts_a_revision_for_each_changed_row_only(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    load(pack_dir.path)
    pack_dir.action_workflow("deploy", label="Deploy v2")
    pack_dir.write("pack.yaml", 'ref: demo\nlabel: Demo\ndescription: Changed\nversion: "1.1.0"\n')

    load(pack_dir.path)

    revisions = dict(Workflow.objects.values_list("ref", "revision"))
    assert revisions == {"demo.deploy": 2, "demo.nightly": 1}
    assert Pack.objects.get(ref="demo").revision == 2


def test_a_reload_of_unchanged_files_keeps_every_revision(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    load(pack_dir.path)

    load(pack_dir.path)

    assert Pack.objects.get(ref="demo").revision == 1
    assert Workflow.objects.get(ref="demo.deploy").revision == 1


def test_syncing_a_pack_deleted_meanwhile_refuses_and_recreates_nothing(db, make_pack_dir, packs_dir):
    pack_dir = make_pack_dir("demo", root=packs_dir).action_workflow("deploy")
    load(pack_dir.path)
    stale = Pack.objects.get(ref="demo")
    Pack.objects.filter(pk=stale.pk).delete()  # another request deleted it after our lookup

    with pytest.raises(disk.PackGone):
        disk.sync(stale)

    assert not Pack.objects.filter(ref="demo").exists()
    assert not Workflow.objects.filter(ref="demo.deploy").exists()


def test_syncing_a_pack_that_still_exists_updates_it(db, make_pack_dir, packs_dir):
    pack_dir = make_pack_dir("demo", root=packs_dir).action_workflow("deploy")
    load(pack_dir.path)
    pack_dir.action_workflow("deploy", label="Deploy v2")

    plan = disk.sync(Pack.objects.get(ref="demo"))

    assert plan.action == "unchanged"
    assert Workflow.objects.get(ref="demo.deploy").label == "Deploy v2"
