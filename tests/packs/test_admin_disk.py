"""The admin's disk features: the "Sync from disk" action, the upload page, source files shown read-only."""

import io
import re
import tarfile

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.test import Client

from actions.models import Action
from packs.models import Pack
from workflows.models import Workflow

CHANGELIST = "/admin/packs/pack/"
UPLOAD_PAGE = "/admin/packs/pack/upload/"
SYNC_PAGE = "/admin/packs/pack/sync/"
MANIFEST = b'ref: demo\nlabel: Demo\ndescription: Uploaded\nversion: "1.0.0"\n'
NIGHTLY = b"label: Nightly\ntasks:\n  - name: only\n    action: core.echo\n"


@pytest.fixture
def staff_browser(make_user):
    """A staff user who may view and change packs but not add them."""

    def make(perms):
        user = make_user("staff", perms=perms)
        user.is_staff = True
        user.save()
        browser = Client()
        browser.force_login(user)
        return browser

    return make


@pytest.fixture
def loaded(api_client, make_pack_dir, packs_dir):
    """`demo` in the packs dir, registered through the API."""
    pack_dir = make_pack_dir("demo", root=packs_dir).action_workflow("deploy").standalone("nightly")
    assert api_client.post("/api/v1/packs/register", {"path": "demo"}).status_code == 201
    return pack_dir


def sync_action(browser, *packs):
    """The changelist action: it only opens the preview page."""
    return browser.post(
        CHANGELIST, {"action": "sync_from_disk", "_selected_action": [pack.pk for pack in packs]}
    )


def sync_preview(browser, *packs):
    return browser.get(SYNC_PAGE, {"pack": [pack.pk for pack in packs]})


def confirm(browser, digest, *packs):
    return browser.post(
        SYNC_PAGE, {"pack": [pack.pk for pack in packs], "plan_digest": digest, "confirm": "Confirm"}
    )


def sync_confirmed(browser, *packs):
    """Preview, then Confirm with the digest the preview page carried."""
    preview = sync_preview(browser, *packs)
    assert preview.status_code == 200
    return confirm(browser, preview.context["plan_digest"], *packs)


def messages_of(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(response.wsgi_request)]


def rows() -> dict:
    return dict(Workflow.objects.values_list("ref", "label"))


def archive(files: dict, name="demo.tgz") -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    buffer.name = name
    return buffer


# --- Sync from disk -----------------------------------------------------------------------------


def test_the_sync_action_opens_the_preview_of_the_selected_packs_and_writes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    pack = Pack.objects.get(ref="demo")
    response = sync_action(admin_browser, pack)
    assert response.status_code == 302
    assert response["Location"] == f"{SYNC_PAGE}?pack={pack.pk}"
    assert rows()["demo.deploy"] == "Deploy"


def test_sync_preview_lists_the_plan_with_confirm_and_cancel_and_changes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    (loaded.path / "workflows/nightly.yaml").unlink()
    before = list(Workflow.objects.order_by("ref").values_list("ref", "label", "updated", "revision"))
    response = sync_preview(admin_browser, Pack.objects.get(ref="demo"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<ul id="sync-plan">' in page
    assert "<li>update workflow demo.deploy (label, metadata_text, metadata_sha256)</li>" in page
    assert "<li>delete workflow demo.nightly</li>" in page
    assert "<li>update action demo.deploy (label, source_text, source_sha256)</li>" in page
    assert '<input type="submit" name="confirm" value="Confirm"' in page
    assert f'<a href="{CHANGELIST}" class="button cancel-link">Cancel</a>' in page
    assert list(Workflow.objects.order_by("ref").values_list("ref", "label", "updated", "revision")) == before


def test_sync_confirmed_applies_the_previewed_plan_and_lists_it(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    (loaded.path / "workflows/nightly.yaml").unlink()
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"))
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST
    assert messages_of(response) == [
        (
            SUCCESS,
            "demo: synced.<ul>"
            "<li>update workflow demo.deploy (label, metadata_text, metadata_sha256)</li>"
            "<li>delete workflow demo.nightly</li>"
            "<li>update action demo.deploy (label, source_text, source_sha256)</li></ul>",
        )
    ]
    assert rows() == {"demo.deploy": "Deploy v2"}


def test_cancel_leads_back_to_the_list_and_changes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    preview = sync_preview(admin_browser, Pack.objects.get(ref="demo"))
    assert admin_browser.get(CHANGELIST).status_code == 200  # where Cancel leads
    assert preview.status_code == 200 and rows()["demo.deploy"] == "Deploy"


def test_confirm_after_the_files_changed_shows_the_new_plan_and_applies_nothing(admin_browser, loaded):
    pack = Pack.objects.get(ref="demo")
    loaded.action_workflow("deploy", label="Deploy v2")
    digest = sync_preview(admin_browser, pack).context["plan_digest"]
    (loaded.path / "workflows/nightly.yaml").unlink()  # changed after the plan was shown
    response = confirm(admin_browser, digest, pack)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The files on disk changed since the plan was shown, so nothing was synced" in page
    assert "<li>delete workflow demo.nightly</li>" in page
    assert response.context["plan_digest"] != digest
    assert rows() == {"demo.deploy": "Deploy", "demo.nightly": "Nightly"}


def test_confirm_after_a_file_changed_to_the_same_kind_of_plan_applies_nothing(admin_browser, loaded):
    pack = Pack.objects.get(ref="demo")
    loaded.action_workflow("deploy", label="Deploy v2")
    digest = sync_preview(admin_browser, pack).context["plan_digest"]
    loaded.action_workflow("deploy", label="Deploy v3")  # the same fields change, to other values
    response = confirm(admin_browser, digest, pack)
    assert response.status_code == 200
    assert "nothing was synced" in response.content.decode()
    assert rows()["demo.deploy"] == "Deploy"


@pytest.mark.parametrize("digest", ["0" * 64, "é" * 64, ""])
def test_confirm_with_a_made_up_digest_applies_nothing(admin_browser, loaded, digest):
    loaded.action_workflow("deploy", label="Deploy v2")
    response = confirm(admin_browser, digest, Pack.objects.get(ref="demo"))
    assert response.status_code == 200 and "nothing was synced" in response.content.decode()
    assert rows()["demo.deploy"] == "Deploy"


def test_sync_of_an_unchanged_pack_writes_nothing(admin_browser, loaded):
    before = list(Workflow.objects.order_by("ref").values_list("id", "updated"))
    preview = sync_preview(admin_browser, Pack.objects.get(ref="demo"))
    assert "already matches the files on disk" in preview.content.decode()
    response = confirm(admin_browser, preview.context["plan_digest"], Pack.objects.get(ref="demo"))
    assert messages_of(response) == [(SUCCESS, "demo: synced.<ul><li>nothing changed</li></ul>")]
    assert list(Workflow.objects.order_by("ref").values_list("id", "updated")) == before


def test_sync_on_an_invalid_pack_shows_the_problems_and_writes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    loaded.write("workflows/nightly.yaml", "tasks: []\n")
    before = rows()
    preview = sync_preview(admin_browser, Pack.objects.get(ref="demo"))
    assert "cannot be synced, nothing will be written for it" in preview.content.decode()
    response = confirm(admin_browser, preview.context["plan_digest"], Pack.objects.get(ref="demo"))
    assert response.status_code == 302
    assert messages_of(response) == [
        (
            ERROR,
            "demo: not synced, nothing written:<ul>"
            "<li>workflows/nightly.yaml:1:8: W005-empty-list: &#x27;tasks&#x27; must not be empty.</li></ul>",
        )
    ]
    assert rows() == before


def test_sync_on_a_pack_made_in_the_admin_says_it_has_no_directory(admin_browser, make_pack, packs_dir):
    pack = make_pack("handmade")
    response = sync_confirmed(admin_browser, pack)
    ((level, message),) = messages_of(response)
    assert level == ERROR and message.startswith("handmade: not synced")
    assert "not loaded from disk" in message
    assert not Workflow.objects.exists()


def test_sync_on_a_pack_outside_the_packs_dir_is_refused(admin_browser, loaded, settings, tmp_path):
    settings.ATTUNE_PACKS_DIR = tmp_path / "elsewhere"
    loaded.action_workflow("deploy", label="Deploy v2")
    ((level, message),) = messages_of(sync_confirmed(admin_browser, Pack.objects.get(ref="demo")))
    assert level == ERROR and "outside the packs directory" in message
    assert str(tmp_path) not in message
    assert rows()["demo.deploy"] == "Deploy"


def test_a_prune_the_user_may_not_do_is_explained_without_permission_codes(staff_browser, loaded):
    browser = staff_browser(["packs.view_pack", "packs.change_pack"])
    (loaded.path / "workflows/nightly.yaml").unlink()
    preview = sync_preview(browser, Pack.objects.get(ref="demo"))
    page = preview.content.decode()
    assert "may not delete them" in page and "workflows.delete_workflow" not in page
    assert Workflow.objects.filter(ref="demo.nightly").exists()


def test_sync_reports_each_selected_pack_on_its_own(admin_browser, loaded, make_pack):
    loaded.action_workflow("deploy", label="Deploy v2")
    handmade = make_pack("handmade")
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"), handmade)
    assert sorted(level for level, _ in messages_of(response)) == [SUCCESS, ERROR]
    assert rows()["demo.deploy"] == "Deploy v2"


def test_sync_without_a_pack_chosen_goes_back_to_the_list(admin_browser, loaded):
    response = admin_browser.get(SYNC_PAGE, {"pack": ["x", "999999", "²", "9" * 40, "-1"]})
    assert response.status_code == 302 and response["Location"] == CHANGELIST


def test_a_viewer_without_the_change_permission_cannot_preview_or_sync(staff_browser, loaded):
    browser = staff_browser(["packs.view_pack"])
    loaded.action_workflow("deploy", label="Deploy v2")
    pack = Pack.objects.get(ref="demo")
    assert sync_preview(browser, pack).status_code == 403
    response = confirm(browser, "x", pack)
    assert response.status_code == 403
    assert b"Permission denied" in response.content
    assert "sync_from_disk" not in browser.get(CHANGELIST).content.decode()  # the action is not offered
    assert rows()["demo.deploy"] == "Deploy"


def test_the_sync_page_refuses_a_post_without_its_csrf_token(admin_user, loaded):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    loaded.action_workflow("deploy", label="Deploy v2")
    pack = Pack.objects.get(ref="demo")
    response = browser.post(SYNC_PAGE, {"pack": [pack.pk], "plan_digest": "x", "confirm": "Confirm"})
    assert response.status_code == 403
    assert rows()["demo.deploy"] == "Deploy"


def test_the_change_page_of_a_pack_from_disk_links_its_sync_preview(admin_browser, loaded, make_pack):
    pack = Pack.objects.get(ref="demo")
    page = admin_browser.get(f"/admin/packs/pack/{pack.pk}/change/").content.decode()
    assert f'href="{SYNC_PAGE}?pack={pack.pk}"' in page
    handmade = make_pack("handmade")
    assert SYNC_PAGE not in admin_browser.get(f"/admin/packs/pack/{handmade.pk}/change/").content.decode()


# --- Upload page -------------------------------------------------------------------------------


def test_upload_page_renders(admin_browser, packs_dir):
    response = admin_browser.get(UPLOAD_PAGE)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b'name="file"' in response.content and b'name="force"' in response.content


def test_changelist_links_to_the_upload_page(admin_browser, packs_dir):
    assert UPLOAD_PAGE.encode() in admin_browser.get(CHANGELIST).content


def test_upload_of_a_good_archive_redirects_to_the_new_pack(admin_browser, packs_dir):
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": NIGHTLY}
    response = admin_browser.post(UPLOAD_PAGE, {"file": archive(files)})
    pack = Pack.objects.get(ref="demo")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/packs/pack/{pack.pk}/change/"
    ((level, message),) = messages_of(response)
    assert level == SUCCESS
    assert (
        message
        == "demo: uploaded and registered.<ul><li>create pack demo</li><li>create workflow demo.nightly</li></ul>"
    )
    assert rows() == {"demo.nightly": "Nightly"}
    assert [p.name for p in packs_dir.iterdir()] == ["demo"]
    assert (packs_dir / "demo/workflows/nightly.yaml").read_bytes() == NIGHTLY


def test_upload_of_an_unsafe_archive_shows_the_error_and_writes_nothing(admin_browser, packs_dir):
    files = {"pack.yaml": MANIFEST, "../escape.yaml": NIGHTLY}
    response = admin_browser.post(UPLOAD_PAGE, {"file": archive(files)})
    assert response.status_code == 200
    assert "member &#x27;../escape.yaml&#x27; leads outside the archive" in response.content.decode()
    assert list(packs_dir.iterdir()) == []
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_upload_of_an_invalid_pack_lists_its_problems_and_writes_nothing(admin_browser, packs_dir):
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": b"tasks: []\n"}
    response = admin_browser.post(UPLOAD_PAGE, {"file": archive(files)})
    assert response.status_code == 200
    assert response.context["problems"] == [
        "workflows/nightly.yaml:1:8: W005-empty-list: 'tasks' must not be empty."
    ]
    assert b"The pack was not registered" in response.content
    assert list(packs_dir.iterdir()) == []
    assert not Pack.objects.exclude(ref="core").exists() and not Workflow.objects.exists()


def test_upload_of_a_registered_ref_without_force_shows_the_conflict(admin_browser, packs_dir):
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": NIGHTLY}
    assert admin_browser.post(UPLOAD_PAGE, {"file": archive(files)}).status_code == 302
    changed = {**files, "workflows/nightly.yaml": NIGHTLY.replace(b"Nightly", b"Changed")}
    response = admin_browser.post(UPLOAD_PAGE, {"file": archive(changed)})
    assert response.status_code == 200
    assert "registered already" in str(response.context["form"].errors["file"])
    assert "Tick “Force” to replace it" in response.content.decode()
    assert "force=true" not in response.content.decode()
    assert rows() == {"demo.nightly": "Nightly"}
    assert (packs_dir / "demo/workflows/nightly.yaml").read_bytes() == NIGHTLY


def test_upload_with_force_replaces_a_registered_pack(admin_browser, packs_dir):
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": NIGHTLY}
    assert admin_browser.post(UPLOAD_PAGE, {"file": archive(files)}).status_code == 302
    changed = {**files, "workflows/nightly.yaml": NIGHTLY.replace(b"Nightly", b"Changed")}
    response = admin_browser.post(UPLOAD_PAGE, {"file": archive(changed), "force": "on"})
    assert response.status_code == 302
    assert rows() == {"demo.nightly": "Changed"}
    assert b"Changed" in (packs_dir / "demo/workflows/nightly.yaml").read_bytes()


def test_upload_page_needs_the_add_permission(staff_browser, packs_dir):
    browser = staff_browser(["packs.view_pack", "packs.change_pack"])
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": NIGHTLY}
    assert browser.get(UPLOAD_PAGE).status_code == 403
    assert browser.post(UPLOAD_PAGE, {"file": archive(files)}).status_code == 403
    assert list(packs_dir.iterdir()) == [] and not Pack.objects.exclude(ref="core").exists()


def test_upload_with_force_needs_the_change_permission(staff_browser, packs_dir):
    browser = staff_browser(["packs.view_pack", "packs.add_pack"])
    files = {"pack.yaml": MANIFEST, "workflows/nightly.yaml": NIGHTLY}
    assert browser.post(UPLOAD_PAGE, {"file": archive(files), "force": "on"}).status_code == 403
    assert list(packs_dir.iterdir()) == [] and not Pack.objects.exclude(ref="core").exists()


# --- Change page --------------------------------------------------------------------------------


def test_change_page_shows_the_source_directory_and_each_files_path_and_hash(admin_browser, loaded):
    pack = Pack.objects.get(ref="demo")
    page = admin_browser.get(f"/admin/packs/pack/{pack.pk}/change/").content.decode()
    assert pack.source_dir in page
    assert pack.manifest_sha256 in page
    for workflow in Workflow.objects.filter(pack=pack):
        assert workflow.source_path in page
        assert workflow.source_sha256 in page
    assert "actions/deploy.yaml" in page  # the action file of the action-linked workflow


def test_change_page_does_not_let_the_source_directory_be_edited(admin_browser, loaded):
    pack = Pack.objects.get(ref="demo")
    adminform = admin_browser.get(f"/admin/packs/pack/{pack.pk}/change/").context["adminform"]
    assert "source_dir" not in adminform.form.fields
    assert "source_dir" in adminform.readonly_fields


# --- Source notice ------------------------------------------------------------------------------


def notice_of(page: str) -> str:
    match = re.search(r'<div class="attune-source-notice" id="source-notice".*?</div>', page, re.S)
    return match.group(0) if match else ""


def test_a_workflow_from_a_pack_directory_names_its_file_and_warns_of_the_next_sync(
    admin_browser, loaded, packs_dir
):
    workflow = Workflow.objects.get(ref="demo.nightly")
    notice = notice_of(admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/").content.decode())
    assert "<code>demo/workflows/nightly.yaml</code>" in notice
    assert "The next “Sync from disk” of the pack replaces edits made here" in notice
    assert str(packs_dir) not in notice  # relative to the packs directory, no server path


def test_an_action_linked_workflow_names_both_its_files(admin_browser, loaded):
    workflow = Workflow.objects.get(ref="demo.deploy")
    notice = notice_of(admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/").content.decode())
    assert "<code>demo/actions/workflows/deploy.workflow.yaml</code>" in notice
    assert "<code>demo/actions/deploy.yaml</code>" in notice


def test_an_action_from_a_pack_directory_names_its_file(admin_browser, loaded):
    action = Action.objects.get(ref="demo.deploy")
    notice = notice_of(admin_browser.get(f"/admin/actions/action/{action.pk}/change/").content.decode())
    assert "<code>demo/actions/deploy.yaml</code>" in notice and "Sync from disk" in notice


def test_a_core_action_says_it_ships_with_the_server(admin_browser, db):
    action = Action.objects.get(ref="core.echo")
    notice = notice_of(admin_browser.get(f"/admin/actions/action/{action.pk}/change/").content.decode())
    assert "(core pack, shipped with the server)" in notice


def test_a_workflow_made_in_the_admin_has_no_source_notice(admin_browser, make_workflow):
    workflow = make_workflow("handmade.flow")
    page = admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/").content.decode()
    assert notice_of(page) == ""


def test_a_pack_moved_out_of_the_packs_directory_is_named_without_its_server_path(
    admin_browser, loaded, settings, tmp_path
):
    settings.ATTUNE_PACKS_DIR = tmp_path / "elsewhere"
    workflow = Workflow.objects.get(ref="demo.nightly")
    notice = notice_of(admin_browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/").content.decode())
    assert "workflows/nightly.yaml (in the pack&#x27;s directory, outside the packs directory)" in notice
    assert str(tmp_path) not in notice


# --- Messages as a person reads them ------------------------------------------------------------


def test_the_message_after_a_sync_shows_the_ref_as_written_and_the_plan_as_a_list(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    preview = sync_preview(admin_browser, Pack.objects.get(ref="demo"))
    page = admin_browser.post(
        SYNC_PAGE,
        {
            "pack": [Pack.objects.get(ref="demo").pk],
            "plan_digest": preview.context["plan_digest"],
            "confirm": "1",
        },
        follow=True,
    ).content.decode()
    assert '<li class="success">demo: synced.<ul><li>update workflow demo.deploy' in page  # not "Demo"
    assert "Demo: synced" not in page


def test_an_upload_that_is_no_archive_says_so_without_the_unpackers_words(admin_browser, packs_dir):
    garbage = io.BytesIO(b"this is not gzip data at all")
    garbage.name = "demo.tgz"
    response = admin_browser.post(UPLOAD_PAGE, {"file": garbage})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file could not be read as a .tar.gz, .tgz or .zip archive: is it damaged?" in page
    assert "Error" not in response.context["form"].errors["file"][0]  # no exception class or text
    assert list(packs_dir.iterdir()) == [] and not Pack.objects.exclude(ref="core").exists()


def test_the_upload_form_names_the_force_checkbox(admin_browser, packs_dir):
    page = admin_browser.get(UPLOAD_PAGE).content.decode()
    assert '<label for="id_force">Force:</label>' in page
    assert "force=true" not in page
