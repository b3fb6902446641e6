"""The admin's disk features: the "Sync from disk" action, the upload page, source files shown read-only."""

import io
import tarfile

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.test import Client

from packs.models import Pack
from workflows.models import Workflow

CHANGELIST = "/admin/packs/pack/"
UPLOAD_PAGE = "/admin/packs/pack/upload/"
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
    """The action as the changelist sends it: it shows the plan, applies nothing."""
    return browser.post(
        CHANGELIST, {"action": "sync_from_disk", "_selected_action": [pack.pk for pack in packs]}
    )


def sync_confirmed(browser, *packs):
    """Preview, then Confirm with the digest the preview page carried."""
    preview = sync_action(browser, *packs)
    assert preview.status_code == 200
    return browser.post(
        CHANGELIST,
        {
            "action": "sync_from_disk",
            "_selected_action": [pack.pk for pack in packs],
            "plan_digest": preview.context["plan_digest"],
            "confirm": "Confirm",
        },
    )


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


def test_sync_confirmed_applies_the_plan_and_lists_it(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    (loaded.path / "workflows/nightly.yaml").unlink()
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"))
    assert response.status_code == 302
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


def test_sync_of_an_unchanged_pack_writes_nothing(admin_browser, loaded):
    before = list(Workflow.objects.order_by("ref").values_list("id", "updated"))
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"))
    assert messages_of(response) == [(SUCCESS, "demo: synced.<ul><li>nothing changed</li></ul>")]
    assert list(Workflow.objects.order_by("ref").values_list("id", "updated")) == before


def test_sync_on_an_invalid_pack_shows_the_problems_and_writes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    loaded.write("workflows/nightly.yaml", "tasks: []\n")
    before = rows()
    preview = sync_action(admin_browser, Pack.objects.get(ref="demo"))
    assert "cannot be synced" in preview.content.decode()
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"))
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
    assert rows()["demo.deploy"] == "Deploy"


def test_sync_reports_each_selected_pack_on_its_own(admin_browser, loaded, make_pack):
    loaded.action_workflow("deploy", label="Deploy v2")
    handmade = make_pack("handmade")
    response = sync_confirmed(admin_browser, Pack.objects.get(ref="demo"), handmade)
    assert sorted(level for level, _ in messages_of(response)) == [SUCCESS, ERROR]
    assert rows()["demo.deploy"] == "Deploy v2"


def test_sync_needs_the_change_permission(staff_browser, loaded):
    browser = staff_browser(["packs.view_pack"])
    loaded.action_workflow("deploy", label="Deploy v2")
    pack = Pack.objects.get(ref="demo")
    response = browser.post(
        CHANGELIST,
        {"action": "sync_from_disk", "_selected_action": [pack.pk], "confirm": "Confirm", "plan_digest": "x"},
    )
    assert not any(level == SUCCESS for level, _ in messages_of(response))
    assert b"sync-plan" not in response.content
    assert rows()["demo.deploy"] == "Deploy"


def test_sync_preview_lists_the_plan_and_changes_nothing(admin_browser, loaded):
    loaded.action_workflow("deploy", label="Deploy v2")
    (loaded.path / "workflows/nightly.yaml").unlink()
    before = list(Workflow.objects.order_by("ref").values_list("ref", "label", "updated"))
    response = sync_action(admin_browser, Pack.objects.get(ref="demo"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<ul id="sync-plan">' in page
    assert "<li>delete workflow demo.nightly</li>" in page
    assert "<li>update workflow demo.deploy (label, metadata_text, metadata_sha256)</li>" in page
    assert '<input type="submit" name="confirm" value="Confirm"' in page
    assert f'href="{CHANGELIST}" class="button cancel-link">Cancel</a>' in page
    assert list(Workflow.objects.order_by("ref").values_list("ref", "label", "updated")) == before


def test_sync_confirm_after_the_files_changed_shows_the_new_plan_and_applies_nothing(admin_browser, loaded):
    pack = Pack.objects.get(ref="demo")
    loaded.action_workflow("deploy", label="Deploy v2")
    digest = sync_action(admin_browser, pack).context["plan_digest"]
    (loaded.path / "workflows/nightly.yaml").unlink()  # changed after the plan was shown
    response = admin_browser.post(
        CHANGELIST,
        {
            "action": "sync_from_disk",
            "_selected_action": [pack.pk],
            "plan_digest": digest,
            "confirm": "Confirm",
        },
    )
    assert response.status_code == 200
    assert (
        "The files on disk changed since the plan was shown: nothing was synced" in response.content.decode()
    )
    assert "<li>delete workflow demo.nightly</li>" in response.content.decode()
    assert rows() == {"demo.deploy": "Deploy", "demo.nightly": "Nightly"}


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
        == "demo: uploaded and registered.<ul><li>pack demo: create</li><li>create workflow demo.nightly</li></ul>"
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
