"""The core pack: installed by migrate (and after every test-database flush), never replaced or deleted."""

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.core import CORE_PACK_DIR, install_core_pack
from actions.models import Action
from packs.models import Pack
from tests.conftest import assert_error

BUILTINS = ["ask", "echo", "fail", "http", "http_request", "local", "log", "noop", "sleep"]
WRITES = ("INSERT", "UPDATE", "DELETE")


def test_migrate_installed_the_core_pack_with_its_builtins(db):
    pack = Pack.objects.get(ref="core")
    assert (pack.is_standard, pack.source_dir) == (True, str(CORE_PACK_DIR))
    rows = Action.objects.filter(pack=pack).values_list("ref", "runner_type", "entry_point", "source_path")
    assert list(rows) == [(f"core.{name}", "builtin", name, f"actions/{name}.yaml") for name in BUILTINS]


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_core_pack_back():
    # Transactional tests flush every table; post_migrate installs the pack again.
    assert Action.objects.filter(pack__ref="core").count() == len(BUILTINS)


def test_installing_again_writes_no_row(db):
    with CaptureQueriesContext(connection) as queries:
        plan = install_core_pack()
    assert plan.rows_written == 0
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_installing_restores_a_changed_core_action(db):
    Action.objects.filter(ref="core.echo").update(label="Tampered", enabled=False)
    plan = install_core_pack()
    assert {c.ref: c.fields for c in plan.actions if c.action == "update"} == {
        "core.echo": ["label", "enabled"]
    }
    assert Action.objects.filter(ref="core.echo", label="Echo", enabled=True).exists()


def test_taking_over_a_hand_made_core_pack_keeps_its_workflows(db):
    # Before actions existed the docs showed creating a pack `core` by hand; its workflows stay.
    from workflows.models import Workflow

    pack = Pack.objects.get(ref="core")
    Workflow.objects.create(
        ref="core.mine", pack=pack, label="Mine", version="1.0",
        definition={"version": "1.0", "tasks": [{"name": "a", "action": "core.noop"}]},
    )  # fmt: skip
    Action.objects.filter(ref="core.echo").delete()
    plan = install_core_pack()
    assert [(c.ref, c.action) for c in plan.workflows] == [("core.mine", "unchanged")]
    assert Workflow.objects.filter(ref="core.mine").exists()
    assert Action.objects.filter(ref="core.echo").exists()  # the shipped actions come back


@pytest.mark.parametrize(
    "ref, parameters",
    [
        ("core.echo", {"message"}),
        ("core.log", {"message", "level"}),
        ("core.sleep", {"seconds"}),
        ("core.fail", {"message"}),
        (
            "core.http",
            {"url", "method", "headers", "query", "body", "json", "timeout", "verify_ssl", "allowed_status"},
        ),
        ("core.local", {"cmd", "cwd", "env", "timeout"}),
        ("core.noop", set()),
        ("core.ask", {"prompt", "response_schema", "assigned_to", "timeout"}),
    ],
)
def test_each_builtin_declares_the_parameters_it_reads(db, ref, parameters):
    assert set(Action.objects.get(ref=ref).parameters) == parameters


def test_http_request_has_attunes_parameters_with_its_secrets_marked(db):
    schema = Action.objects.get(ref="core.http_request").parameters
    assert {"url", "method", "headers", "body", "json_body", "query_params", "timeout", "verify_ssl"} <= set(
        schema
    )
    assert {name for name, spec in schema.items() if spec.get("secret")} == {"auth_password", "auth_token"}
    assert (schema["url"]["required"], schema["method"]["default"], schema["timeout"]["default"]) == (
        True,
        "GET",
        30,
    )


def test_the_api_refuses_to_delete_the_core_pack(api_client):
    assert "core pack" in assert_error(api_client.delete("/api/v1/packs/core"), 403, "FORBIDDEN")["error"]
    assert Action.objects.filter(pack__ref="core").count() == len(BUILTINS)


def test_the_admin_refuses_to_delete_the_core_pack_or_its_actions(admin_browser):
    core = Pack.objects.get(ref="core")
    assert admin_browser.post(f"/admin/packs/pack/{core.pk}/delete/", {"post": "yes"}).status_code == 403
    echo = Action.objects.get(ref="core.echo")
    assert admin_browser.post(f"/admin/actions/action/{echo.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [core.pk], "post": "yes"}
    admin_browser.post("/admin/packs/pack/", bulk)
    bulk = {"action": "delete_selected", "_selected_action": [echo.pk], "post": "yes"}
    admin_browser.post("/admin/actions/action/", bulk)
    assert Pack.objects.filter(ref="core").exists() and Action.objects.filter(ref="core.echo").exists()


def test_a_core_action_page_is_read_only_and_shows_its_source(admin_browser):
    echo = Action.objects.get(ref="core.echo")
    page = admin_browser.get(f"/admin/actions/action/{echo.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "actions/echo.yaml" in html and "entry_point: echo" in html
    assert 'name="label"' not in html  # no editable field
    admin_browser.post(f"/admin/actions/action/{echo.pk}/change/", {"label": "Mine"})
    assert Action.objects.get(ref="core.echo").label == "Echo"


def copy_of_core(tmp_path):
    target = tmp_path / "core"
    shutil.copytree(CORE_PACK_DIR, target)
    return target


def test_load_pack_refuses_another_directory_with_ref_core(db, tmp_path):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("load_pack", str(copy_of_core(tmp_path)), stdout=out)
    assert "ref 'core' is the core pack shipped with the server" in out.getvalue()
    assert Pack.objects.get(ref="core").source_dir == str(CORE_PACK_DIR)


@pytest.fixture
def packs_dir(tmp_path, settings):
    directory = tmp_path / "packs-dir"
    directory.mkdir()
    settings.ATTUNE_PACKS_DIR = directory
    return directory


def test_register_refuses_a_pack_named_core(api_client, packs_dir):
    copy_of_core(packs_dir)
    body = assert_error(
        api_client.post("/api/v1/packs/register", {"path": "core", "force": True}, format="json"),
        400,
        "VALIDATION_ERROR",
    )
    assert "core pack shipped with the server" in body["details"]["pack.yaml"][0]
    assert Pack.objects.get(ref="core").source_dir == str(CORE_PACK_DIR)


def test_syncing_the_core_pack_rereads_the_shipped_directory(api_client):
    response = api_client.post("/api/v1/packs/core/workflows/sync")
    assert response.status_code == 200, response.content
    plan = response.json()["data"]["plan"]
    assert {change["action"] for change in plan["actions"]} == {"unchanged"}
    assert len(plan["actions"]) == len(BUILTINS)


def test_no_workflow_can_be_added_to_the_core_pack(api_client):
    body = {"ref": "core.mine", "pack_ref": "core", "label": "Mine", "version": "1.0.0",
            "definition": {"version": "1.0.0", "tasks": [{"name": "a", "action": "core.noop"}]}}  # fmt: skip
    assert (
        "core pack"
        in assert_error(api_client.post("/api/v1/workflows", body, format="json"), 403, "FORBIDDEN")["error"]
    )
    assert not Pack.objects.get(ref="core").workflows.exists()
