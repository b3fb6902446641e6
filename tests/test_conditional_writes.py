"""ETag on every pack and workflow answer; If-Match makes a write conditional (412)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from attune.models import RowDeleted
from packs.models import Pack
from tests.conftest import DEFINITION, assert_error
from workflows.models import Workflow

RESOURCES = {
    "pack": ("/api/v1/packs/demo", Pack, "demo"),
    "workflow": ("/api/v1/workflows/demo.flow", Workflow, "demo.flow"),
}


@pytest.fixture(params=RESOURCES)
def resource(request, make_workflow):
    """(url, the row) for a pack and for a workflow, each at revision 1."""
    url, model, ref = RESOURCES[request.param]
    make_workflow("demo.flow")
    return url, model.objects.get(ref=ref)


def tag(row, revision=None) -> str:
    return f'"{row.pk}-{revision or row.revision}"'


def test_the_detail_answer_carries_the_rows_etag(api_client, resource):
    url, row = resource
    response = api_client.get(url)
    assert response.status_code == 200
    assert response["ETag"] == tag(row, 1)


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_answers_the_new_etag_which_a_read_then_sees(api_client, resource, method):
    url, row = resource
    response = getattr(api_client, method)(url, {"label": "Changed"}, format="json")
    assert response.status_code == 200, response.content
    assert response["ETag"] == tag(row, 2)
    assert api_client.get(url)["ETag"] == tag(row, 2)
    row.refresh_from_db()
    assert (row.label, row.revision) == ("Changed", 2)


def test_an_empty_patch_writes_nothing_and_keeps_the_etag(api_client, resource):
    url, row = resource
    response = api_client.patch(url, {}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == tag(row, 1)


def test_an_update_writes_only_the_columns_sent(api_client, resource):
    url, _ = resource
    with CaptureQueriesContext(connection) as queries:
        response = api_client.patch(url, {"label": "Changed"}, format="json")
    assert response.status_code == 200
    # A workflow's companion action follows its label (actions.companions): another table.
    (update,) = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "actions_action" not in q["sql"]
    ]
    assert '"label"' in update and '"revision"' in update
    assert '"description"' not in update and '"tags"' not in update


def test_the_create_answer_carries_the_new_rows_etag(api_client, make_pack):
    make_pack("demo")
    body = {
        "ref": "demo.new",
        "pack_ref": "demo",
        "label": "New",
        "version": "1.0.0",
        "definition": DEFINITION,
    }
    response = api_client.post("/api/v1/workflows", body, format="json")
    assert response.status_code == 201
    assert response["ETag"] == f'"{response.json()["data"]["id"]}-1"'
    pack = api_client.post("/api/v1/packs", {"ref": "other", "label": "O", "version": "1.0.0"}, format="json")
    assert pack.status_code == 201
    assert pack["ETag"] == f'"{pack.json()["data"]["id"]}-1"'


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_the_current_etag_succeeds(api_client, resource, method):
    url, row = resource
    response = getattr(api_client, method)(url, {"label": "Mine"}, format="json", HTTP_IF_MATCH=tag(row))
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.label == "Mine"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_an_update_with_a_stale_etag_is_refused_with_412_and_writes_nothing(api_client, resource, method):
    url, row = resource
    stale = tag(row)
    assert api_client.patch(url, {"description": "Someone else"}, format="json").status_code == 200

    response = getattr(api_client, method)(url, {"label": "Mine"}, format="json", HTTP_IF_MATCH=stale)

    body = assert_error(response, 412, "PRECONDITION_FAILED")
    assert tag(row, 2) in body["error"]
    label = row.label
    row.refresh_from_db()
    assert (row.label, row.description, row.revision) == (label, "Someone else", 2)


def test_a_bad_body_is_a_400_even_with_a_stale_etag(api_client, resource):
    url, row = resource
    response = api_client.patch(url, {"label": "Mine", "nope": 1}, format="json", HTTP_IF_MATCH='"0-0"')
    assert "nope" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    row.refresh_from_db()
    assert row.revision == 1


@pytest.mark.parametrize(
    "header",
    ["*", '"0-0", {current}', "{current}"],
    ids=["star", "list-with-current", "current"],
)
def test_if_match_accepts_star_and_lists_naming_the_current_etag(api_client, resource, header):
    url, row = resource
    response = api_client.patch(
        url, {"label": "Mine"}, format="json", HTTP_IF_MATCH=header.format(current=tag(row))
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "header", ['W/"{pk}-1"', '"{pk}-2"', "{pk}-1", ""], ids=["weak", "other-revision", "unquoted", "empty"]
)
def test_if_match_refuses_weak_other_and_malformed_tags(api_client, resource, header):
    url, row = resource
    response = api_client.patch(url, {"label": "Mine"}, format="json", HTTP_IF_MATCH=header.format(pk=row.pk))
    assert_error(response, 412, "PRECONDITION_FAILED")
    row.refresh_from_db()
    assert row.revision == 1


def test_an_etag_of_a_deleted_and_recreated_ref_does_not_match(api_client, make_workflow):
    old = make_workflow("demo.flow")
    old_tag = tag(old)
    old.delete()
    make_workflow("demo.flow")
    response = api_client.patch(
        "/api/v1/workflows/demo.flow", {"label": "X"}, format="json", HTTP_IF_MATCH=old_tag
    )
    assert_error(response, 412, "PRECONDITION_FAILED")


def test_a_delete_with_a_stale_etag_is_refused_and_the_row_stays(api_client, resource):
    url, row = resource
    response = api_client.delete(url, HTTP_IF_MATCH=tag(row, 7))
    assert_error(response, 412, "PRECONDITION_FAILED")
    assert type(row).objects.filter(pk=row.pk).exists()


def test_a_delete_with_the_current_etag_deletes(api_client, resource):
    url, row = resource
    response = api_client.delete(url, HTTP_IF_MATCH=tag(row))
    assert response.status_code == 200, response.content
    assert not type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_if_match_on_a_missing_row_is_404_and_creates_nothing(api_client, method, db):
    response = getattr(api_client, method)(
        "/api/v1/packs/ghost", {"label": "X"}, format="json", HTTP_IF_MATCH="*"
    )
    assert_error(response, 404, "NOT_FOUND")
    assert not Pack.objects.filter(ref="ghost").exists()


def test_a_deleted_rows_save_fails_instead_of_inserting_it_again(make_pack):
    # The admin and any other caller of save() on a loaded row: no resurrection.
    pack = make_pack("demo")
    Pack.objects.filter(pk=pack.pk).delete()
    pack.label = "Back"
    with pytest.raises(RowDeleted, match="pack 'demo' was deleted meanwhile"), transaction.atomic():
        pack.save()
    assert not Pack.objects.filter(ref="demo").exists()


def test_a_saved_row_counts_one_revision_per_save(make_pack):
    pack = make_pack("demo")
    pack.label = "A"
    pack.save()
    pack.save(update_fields=["label"])
    assert pack.revision == 3
    assert Pack.objects.get(pk=pack.pk).revision == 3


def test_a_head_request_carries_the_etag_too(api_client, resource):
    url, row = resource
    response = api_client.head(url)
    assert response.status_code == 200
    assert response["ETag"] == tag(row)


def test_the_412_message_renders_as_the_docs_show(api_client, make_pack):
    pack = make_pack("slack")
    response = api_client.delete("/api/v1/packs/slack", HTTP_IF_MATCH=f'"{pack.pk}-0"')
    assert response.content.decode() == (
        f'{{"error":"If-Match \'\\"{pack.pk}-0\\"\' does not match the current ETag \\"{pack.pk}-1\\": '
        'someone else changed it; fetch it again.","code":"PRECONDITION_FAILED","details":{}}'
    )
