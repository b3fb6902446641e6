"""manage.py load_pack and validate_pack: plans, summaries, exit status, nothing half-written."""

import pytest
from django.core.management import CommandError, call_command

from packs.models import Pack
from workflows.models import Workflow


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_pack_prints_the_plan_and_a_summary(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    pack_dir.write("sensors/watch.yaml", "x: 1\n")
    out = run("load_pack", str(pack_dir.path))
    assert "pack demo: create" in out
    assert "  create    demo.deploy" in out and "  create    demo.nightly" in out
    assert "  create    action demo.deploy" in out  # the workflow action's companion action
    assert "note: sensors/: not loaded yet" in out
    assert out.strip().endswith(
        "1 pack(s): pack demo created; workflows: 2 created, 0 updated, 0 deleted, 0 unchanged; "
        "actions: 1 created, 0 updated, 0 deleted, 0 unchanged. wrote 4 row(s)."
    )
    assert Workflow.objects.filter(pack__ref="demo").count() == 2


def test_second_load_says_it_wrote_nothing(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    run("load_pack", str(pack_dir.path))
    out = run("load_pack", str(pack_dir.path))
    assert "pack demo: unchanged" in out and "  unchanged demo.deploy" in out
    assert out.strip().endswith("wrote 0 row(s).")


def test_dry_run_writes_nothing(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    out = run("load_pack", "--dry-run", str(pack_dir.path))
    assert "would write 3 row(s)." in out  # the pack, the workflow, its action
    assert not Pack.objects.exclude(ref="core").exists()


def test_no_prune_keeps_deleted_files_rows(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy").standalone("nightly")
    run("load_pack", str(pack_dir.path))
    (pack_dir.path / "workflows/nightly.yaml").unlink()
    out = run("load_pack", "--no-prune", str(pack_dir.path))
    assert "demo.nightly: not on disk, kept (--no-prune)" in out
    assert Workflow.objects.filter(ref="demo.nightly").exists()
    out = run("load_pack", str(pack_dir.path))
    assert "  delete    demo.nightly" in out
    assert not Workflow.objects.filter(ref="demo.nightly").exists()


def test_all_loads_every_pack_under_a_directory(db, make_pack_dir, tmp_path):
    root = tmp_path / "many"
    make_pack_dir("one", root=root).standalone("a")
    make_pack_dir("two", root=root).standalone("b")
    (root / "not-a-pack").mkdir()
    out = run("load_pack", "--all", str(root))
    assert "2 pack(s)" in out
    assert sorted(Pack.objects.exclude(ref="core").values_list("ref", flat=True)) == ["one", "two"]


def test_one_invalid_pack_means_nothing_is_written(db, make_pack_dir, tmp_path):
    root = tmp_path / "many"
    make_pack_dir("good", root=root).standalone("a")
    bad = make_pack_dir("bad", root=root)
    bad.write(
        "workflows/broken.yaml",
        "tasks:\n  - name: x\n    action: core.echo\n  - name: x\n    action: core.echo\n",
    )
    with pytest.raises(CommandError, match="1 pack\\(s\\) invalid; nothing was written"):
        run("load_pack", "--all", str(root))
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_load_pack_lists_problems_compiler_style(db, make_pack_dir, capsys):
    from io import StringIO

    bad = make_pack_dir("bad")
    bad.write(
        "workflows/broken.yaml",
        "tasks:\n  - name: x\n    action: core.echo\n  - name: x\n    action: core.echo\n",
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_pack", str(bad.path), stdout=out)
    assert (
        f"{bad.path}/workflows/broken.yaml:4:11: W102-duplicate-task: Task name 'x' is used twice (first at /tasks/0/name); names must be unique."
        in out.getvalue()
    )


def test_load_pack_needs_a_path(db):
    with pytest.raises(CommandError, match="name at least one pack directory"):
        run("load_pack")


def test_validate_pack_passes_a_good_pack_without_writing(db, make_pack_dir):
    pack_dir = make_pack_dir("demo").action_workflow("deploy")
    out = run("validate_pack", str(pack_dir.path))
    assert f"{pack_dir.path}: pack demo OK, 1 workflow(s), 1 action(s)" in out
    assert "1 pack(s) valid." in out
    assert not Pack.objects.exclude(ref="core").exists()


def test_validate_pack_fails_with_every_problem(db, make_pack_dir):
    from io import StringIO

    bad = make_pack_dir("bad")
    bad.write("workflows/one.yaml", "tasks: []\n")
    bad.write("workflows/two.yaml", "a: 1\na: 2\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 pack\\(s\\) invalid, 2 problem\\(s\\)"):
        call_command("validate_pack", str(bad.path), stdout=out)
    assert "workflows/one.yaml:1:8: W005-empty-list: 'tasks' must not be empty." in out.getvalue()
    assert "workflows/two.yaml:2:1: duplicate key 'a' (first defined on line 1)" in out.getvalue()
    assert not Pack.objects.exclude(ref="core").exists()


def test_load_pack_reports_progress_for_large_packs(db, make_pack_dir):
    pack_dir = make_pack_dir("big")
    for index in range(205):
        pack_dir.write(f"workflows/w{index}.yaml", "tasks:\n  - name: a\n    action: core.echo\n")
    out = run("load_pack", str(pack_dir.path))
    assert "big: 100 workflows read" in out and "big: 200 workflows read" in out
    assert "big: 300 workflows read" not in out
    assert "205 created" in out


def test_load_pack_prints_no_progress_for_small_packs(db, make_pack_dir):
    out = run("load_pack", str(make_pack_dir("small").standalone("one").path))
    assert "workflows read" not in out
