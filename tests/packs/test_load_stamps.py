"""Load stamps: an unchanged re-load validates nothing and writes nothing, and skipping never
leaves the database different from what a full load produces."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from packs.ondisk import stamps, workflow_files
from packs.ondisk.loader import PackInvalid, read_pack
from packs.ondisk.stamps import stored_stamps
from packs.ondisk.sync import load_packs
from tests.packs.conftest import GRAPH
from workflows.models import Workflow

pytestmark = pytest.mark.django_db
WORKFLOWS = 4  # two action-linked, two standalone (see `pack`)
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def validations(monkeypatch):
    """How many workflow definitions the loader validates."""
    calls = []
    real = workflow_files.check_definition

    def counting(definition, **kwargs):
        calls.append(definition)
        return real(definition, **kwargs)

    monkeypatch.setattr(workflow_files, "check_definition", counting)
    return calls


@pytest.fixture
def pack(make_pack_dir):
    # `deploy`'s graph has no version: the workflow has the pack's.
    unversioned = GRAPH.replace('version: "1.0.0"\n', "")
    builder = make_pack_dir("demo").action_workflow("restart").action_workflow("deploy", graph=unversioned)
    builder.standalone("nightly").standalone("weekly")
    builder.write("actions/ping.yaml", "runner_type: shell\nentry_point: ping.sh\n")
    builder.write("actions/ping.sh", "#!/bin/sh\necho pong\n")
    load(builder)
    return builder


def load(builder, full: bool = False):
    return load_packs([read_pack(builder.path, stored=None if full else stored_stamps)])[0]


def load_counting_writes(builder, full: bool = False):
    with CaptureQueriesContext(connection) as queries:
        plan = load(builder, full)
    return plan, [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


def snapshot() -> list:
    """Every workflow and action row, all fields."""
    return [
        *Workflow.objects.order_by("ref").values(),
        *Action.objects.order_by("ref").values(),
    ]


def test_the_first_load_stamps_every_workflow_and_workflow_action(pack):
    assert Workflow.objects.filter(load_stamp="").count() == 0
    assert Workflow.objects.count() == WORKFLOWS
    # Runner actions are read and compared in full on every load: no stamp.
    assert dict(Action.objects.values_list("ref", "load_stamp").order_by("ref"))["demo.ping"] == ""
    assert Action.objects.exclude(load_stamp="").count() == 2


def test_an_unchanged_reload_validates_nothing_and_writes_no_row(pack, validations):
    before = snapshot()
    plan, writes = load_counting_writes(pack)
    assert writes == []
    assert validations == []
    assert plan.skipped == WORKFLOWS
    assert plan.rows_written == 0
    assert plan.count("unchanged") == WORKFLOWS and plan.count("unchanged", "actions") == 3
    assert snapshot() == before


def test_a_reload_without_stamps_validates_every_workflow_and_writes_no_row(pack, validations):
    plan, writes = load_counting_writes(pack, full=True)
    assert (writes, len(validations), plan.skipped) == ([], WORKFLOWS, 0)


def test_editing_one_graph_file_validates_and_writes_only_that_workflow(pack, validations):
    graph = (pack.path / "actions/workflows/deploy.workflow.yaml").read_text()
    pack.write(
        "actions/workflows/deploy.workflow.yaml",
        graph.replace("name: second", "name: last").replace("[second]", "[last]"),
    )
    action_revision = Action.objects.get(ref="demo.deploy").revision
    plan, writes = load_counting_writes(pack)
    assert len(validations) == 1
    # The workflow's content, and its action's stamp alone (its action is made from both files).
    assert [sql.split('"')[1] for sql in writes] == ["workflows_workflow", "actions_action"]
    changed = [(c.ref, c.action) for c in plan.workflows if c.action != "unchanged"]
    assert changed == [("demo.deploy", "update")]
    assert plan.count("update", "actions") == 0 and plan.restamped == 1
    assert Action.objects.get(ref="demo.deploy").revision == action_revision
    row = Workflow.objects.get(ref="demo.deploy")
    assert [task["name"] for task in row.definition["tasks"]] == ["first", "last"]
    assert load_counting_writes(pack)[1] == []  # stamped anew with the update


def reads_of(queries, table: str) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_a_reload_reads_in_full_only_the_edited_workflow_and_no_ownership(pack):
    text = (pack.path / "workflows/nightly.yaml").read_text()
    pack.write("workflows/nightly.yaml", text.replace("Standalone nightly", "Edited nightly"))
    with CaptureQueriesContext(connection) as queries:
        load(pack)
    workflow_reads = reads_of(queries, "workflows_workflow")
    # the stamps, the light rows, then the one edited row in full (by ref, on both engines)
    assert len(workflow_reads) == 3
    full = [sql for sql in workflow_reads if '"definition"' in sql]
    assert len(full) == 1 and '"ref" IN (' in full[0] and "'demo.nightly'" in full[0]
    # Every ref on disk is already the pack's: nobody else can own it, so no query asks.
    with CaptureQueriesContext(connection) as queries:
        load(pack)
    assert not [
        sql for sql in reads_of(queries, "workflows_workflow") if "packs_pack" in sql and " IN (" in sql
    ]
    assert len(reads_of(queries, "workflows_workflow")) == 2
    # the light rows, then the runner action (compared in full on every load)
    action_reads = reads_of(queries, "actions_action")
    assert len(action_reads) == 2 and "'demo.ping'" in action_reads[1]


def test_editing_an_action_file_updates_its_workflow_and_its_action(pack, validations):
    text = (pack.path / "actions/restart.yaml").read_text()
    pack.write("actions/restart.yaml", text.replace("label: Restart", "label: Restart now"))
    _plan, writes = load_counting_writes(pack)
    assert len(validations) == 1
    assert sorted(w.split('"')[1] for w in writes) == ["actions_action", "workflows_workflow"]
    assert Workflow.objects.get(ref="demo.restart").label == "Restart now"
    assert Action.objects.get(ref="demo.restart").label == "Restart now"


def test_a_new_pack_version_validates_every_workflow_again(pack, validations):
    manifest = (pack.path / "pack.yaml").read_text()
    pack.write("pack.yaml", manifest.replace('version: "1.0.0"', 'version: "1.1.0"'))
    plan, _writes = load_counting_writes(pack)
    assert len(validations) == WORKFLOWS
    # Only the workflow without a version of its own changes; the others get new stamps.
    changed = [(c.ref, c.fields) for c in plan.workflows if c.action == "update"]
    assert changed == [("demo.deploy", ["version", "definition"])]
    assert plan.restamped == WORKFLOWS - 1 + 2
    assert Workflow.objects.get(ref="demo.deploy").definition["version"] == "1.1.0"
    assert load_counting_writes(pack)[1] == []


def test_a_new_pack_description_changes_the_pack_and_skips_the_workflows(pack, validations):
    manifest = (pack.path / "pack.yaml").read_text()
    pack.write("pack.yaml", manifest.replace("A pack for tests", "Another description"))
    plan, writes = load_counting_writes(pack)
    assert validations == []
    assert len(writes) == 1 and "packs_pack" in writes[0]
    assert plan.skipped == WORKFLOWS


def _new_code(monkeypatch, settings):
    monkeypatch.setattr(stamps, "code_key", lambda: "a validator or loader of another version")


def _new_package_version(monkeypatch, settings):
    real = stamps.metadata.version
    monkeypatch.setattr(
        stamps.metadata, "version", lambda name: "99" if name == "jsonschema-rs" else real(name)
    )
    stamps.code_key.cache_clear()


def _new_limit(monkeypatch, settings):
    settings.ATTUNE_TEMPLATE_MAX_LENGTH = 5_000


@pytest.mark.parametrize(
    "change", [_new_code, _new_package_version, _new_limit], ids=lambda f: f.__name__[1:]
)
def test_a_new_load_key_validates_every_workflow_and_renews_stamps_without_new_revisions(
    pack, validations, monkeypatch, settings, change
):
    revisions = dict(Workflow.objects.values_list("ref", "revision"))
    change(monkeypatch, settings)
    try:
        plan, writes = load_counting_writes(pack)
        assert len(validations) == WORKFLOWS
        assert plan.restamped == WORKFLOWS + 2  # each workflow and each workflow action
        assert plan.rows_written == WORKFLOWS + 2
        assert all(sql.lstrip().upper().startswith("UPDATE") for sql in writes)
        assert dict(Workflow.objects.values_list("ref", "revision")) == revisions  # ETags stay
        validations.clear()
        assert load_counting_writes(pack)[1] == [] and validations == []
    finally:
        monkeypatch.undo()
        stamps.code_key.cache_clear()


def test_an_api_edit_of_a_file_managed_workflow_is_undone_by_the_next_load(pack, api_client, validations):
    response = api_client.patch(
        "/api/v1/workflows/demo.nightly", {"label": "Edited in the API"}, format="json"
    )
    assert response.status_code == 200
    plan, _writes = load_counting_writes(pack)
    assert len(validations) == 1  # the edit bumped the revision: its stamp no longer vouches
    assert [(c.ref, c.fields) for c in plan.workflows if c.action == "update"] == [
        ("demo.nightly", ["label"])
    ]
    assert Workflow.objects.get(ref="demo.nightly").label == "Nightly"


def test_an_admin_disable_of_a_file_managed_workflow_is_undone_by_the_next_load(pack, admin_browser):
    workflow = Workflow.objects.get(ref="demo.restart")
    response = admin_browser.post(
        "/admin/workflows/workflow/", {"action": "disable_workflows", "_selected_action": [workflow.pk]}
    )
    assert response.status_code == 302
    assert Workflow.objects.get(ref="demo.restart").enabled is False
    load(pack)
    assert Workflow.objects.get(ref="demo.restart").enabled is True
    assert Action.objects.get(ref="demo.restart").enabled is True


def test_an_edit_of_a_workflow_action_alone_is_undone_by_the_next_load(pack, validations):
    action = Action.objects.get(ref="demo.deploy")
    action.description = "edited"
    action.save()
    plan, writes = load_counting_writes(pack)
    assert validations == []  # its workflow is unchanged: compared from its row
    assert len(writes) == 1 and "actions_action" in writes[0]
    assert [(c.ref, c.fields) for c in plan.actions if c.action == "update"] == [
        ("demo.deploy", ["description"])
    ]
    assert Action.objects.get(ref="demo.deploy").description == "Runs deploy"


def edit_in_api(pack, api_client):
    api_client.patch("/api/v1/workflows/demo.weekly", {"tags": ["edited"]}, format="json")


def edit_a_file(pack, api_client):
    pack.standalone("weekly", label="Every week")


def delete_a_file(pack, api_client):
    (pack.path / "workflows/nightly.yaml").unlink()


def add_a_file(pack, api_client):
    pack.standalone("monthly")


def relabel_an_action_row(pack, api_client):
    Action.objects.filter(ref="demo.restart").update(label="changed", revision=999)


@pytest.mark.parametrize(
    "change",
    [edit_in_api, edit_a_file, delete_a_file, add_a_file, relabel_an_action_row],
    ids=lambda f: f.__name__,
)
def test_a_full_load_after_a_skipping_load_finds_nothing_to_write(pack, api_client, change):
    change(pack, api_client)
    load(pack)
    after_skipping = snapshot()
    plan, writes = load_counting_writes(pack, full=True)
    assert writes == [] and plan.rows_written == 0
    assert snapshot() == after_skipping


def test_a_row_written_after_the_files_were_read_fails_the_load(pack):
    spec = read_pack(pack.path, stored=stored_stamps)
    Workflow.objects.get(ref="demo.weekly").save()  # any write bumps the revision
    before = snapshot()
    with pytest.raises(PackInvalid) as failure:
        load_packs([spec])
    assert [p.message for p in failure.value.problems] == [
        "workflow 'demo.weekly' changed in the database while the pack was read: load it again"
    ]
    assert snapshot() == before


def test_load_pack_full_validates_every_file(pack, validations):
    out = StringIO()
    call_command("load_pack", str(pack.path), stdout=out)
    assert validations == [] and f"{WORKFLOWS} unchanged since loaded, not validated again" in out.getvalue()
    out = StringIO()
    call_command("load_pack", str(pack.path), "--full", stdout=out)
    assert len(validations) == WORKFLOWS and "not validated again" not in out.getvalue()
    assert "wrote 0 row(s)" in out.getvalue()
