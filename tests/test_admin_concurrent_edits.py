"""Admin change forms neither overwrite a newer row nor bring back a deleted one."""

import pytest
from django.db.models import F

from packs.models import Pack
from tests.test_admin import workflow_form
from workflows.admin import WorkflowForm
from workflows.models import Workflow


@pytest.fixture
def flow(make_workflow):
    return make_workflow("demo.flow", label="Original")


def change_url(workflow):
    return f"/admin/workflows/workflow/{workflow.pk}/change/"


def post_change(admin_browser, workflow, seen_revision, **overrides):
    data = workflow_form(workflow.pack, ref=workflow.ref, seen_revision=seen_revision, **overrides)
    return admin_browser.post(change_url(workflow), data, follow=True)


def test_change_page_carries_the_revision_it_shows(admin_browser, flow):
    page = admin_browser.get(change_url(flow))
    assert page.status_code == 200
    assert f'name="seen_revision" value="{flow.revision}"'.encode() in page.content


def test_it_saves_an_edit_of_the_current_revision(admin_browser, flow):
    response = post_change(admin_browser, flow, flow.revision, label="Edited")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/workflows/workflow/"
    saved = Workflow.objects.get(pk=flow.pk)
    assert (saved.label, saved.revision) == ("Edited", flow.revision + 1)


def test_it_refuses_an_edit_of_a_revision_changed_elsewhere(admin_browser, flow):
    Workflow.objects.filter(pk=flow.pk).update(description="set by the API", revision=F("revision") + 1)
    response = post_change(admin_browser, flow, flow.revision, label="Edited")
    assert response.status_code == 200
    assert b"was changed elsewhere since this page was opened" in response.content
    saved = Workflow.objects.get(pk=flow.pk)
    assert (saved.label, saved.description, saved.revision) == (
        "Original",
        "set by the API",
        flow.revision + 1,
    )


def test_it_does_not_resurrect_a_row_deleted_while_saving(admin_browser, flow, monkeypatch):
    clean_definition = WorkflowForm.clean_definition

    def delete_meanwhile(form):
        Workflow.objects.filter(pk=flow.pk).delete()  # another client's DELETE lands now
        return clean_definition(form)

    monkeypatch.setattr(WorkflowForm, "clean_definition", delete_meanwhile)
    response = post_change(admin_browser, flow, flow.revision, label="Edited")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/workflows/workflow/"
    assert b"was deleted meanwhile; nothing was saved." in response.content
    # One connection here, so the admin's rollback also undoes the simulated DELETE; what
    # matters is that the edit was not written (Revisioned.save's own test covers the rest).
    assert not Workflow.objects.filter(label="Edited").exists()


def test_pack_change_refuses_a_stale_revision(admin_browser, make_pack):
    pack = make_pack("ops", label="Ops")
    page = admin_browser.get(f"/admin/packs/pack/{pack.pk}/change/")
    assert f'name="seen_revision" value="{pack.revision}"'.encode() in page.content
    pack.description = "changed by a sync"
    pack.save()
    data = {
        "ref": "ops", "label": "Edited", "description": "", "version": "1.0.0", "tags": "",
        "conf_schema": "{}", "config": "{}", "meta": "{}", "dependencies": "[]",
        "seen_revision": pack.revision - 1,
        "workflows-TOTAL_FORMS": "0", "workflows-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = admin_browser.post(f"/admin/packs/pack/{pack.pk}/change/", data)
    assert response.status_code == 200
    assert b"was changed elsewhere since this page was opened" in response.content
    assert Pack.objects.get(pk=pack.pk).label == "Ops"
