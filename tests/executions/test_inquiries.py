"""Inquiries: core.ask creates one per run, the API lists, shows and answers them."""

import pytest

from executions.models import Execution, Inquiry, InquiryStatus, Status
from tests.conftest import assert_error, client_for

URL = "/api/v1/inquiries"
SCHEMA = {"approved": {"type": "boolean", "required": True}, "note": {"type": "string", "default": "-"}}


@pytest.fixture
def ask(api_client, django_capture_on_commit_callbacks):
    """Run core.ask over the API (inline transport: it runs on commit) and return its run."""

    def run(**parameters):
        parameters.setdefault("prompt", "Deploy?")
        parameters.setdefault("response_schema", SCHEMA)
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                "/api/v1/executions/execute",
                {"action_ref": "core.ask", "parameters": parameters},
                format="json",
            )
        assert response.status_code == 201, response.content
        return Execution.objects.get(pk=response.json()["data"]["id"])

    return run


@pytest.fixture
def responder(make_user):
    return make_user("approver", perms=["executions.respond_inquiry"])


def test_core_ask_creates_the_inquiry_of_its_run_and_returns_its_id(ask):
    execution = ask()
    inquiry = Inquiry.objects.get()
    assert execution.status == Status.COMPLETED
    assert execution.result["data"] == {"inquiry_id": inquiry.id}
    assert (inquiry.execution_id, inquiry.prompt, inquiry.schema) == (execution.id, "Deploy?", SCHEMA)
    assert inquiry.status == InquiryStatus.PENDING and inquiry.timeout_at is None


def test_core_ask_is_idempotent_per_run(ask):
    from executions import inquiries

    execution = ask(timeout=60)
    again = inquiries.create_for_run(execution.id, "other", {}, None, None)
    assert again.id == Inquiry.objects.get().id and again.timeout_at is not None


def test_core_ask_fails_for_an_unknown_assignee(ask):
    execution = ask(assigned_to="nobody")
    assert execution.status == Status.FAILED
    assert "no user 'nobody'" in execution.result["error"]
    assert not Inquiry.objects.exists()


def test_list_filters_and_detail(ask, reader_client):
    first, second = ask(), ask()
    items = reader_client.get(URL).json()["items"]
    assert [item["execution"] for item in items] == [second.id, first.id]
    filtered = reader_client.get(URL, {"execution": first.id}).json()["items"]
    assert [item["execution"] for item in filtered] == [first.id]
    assert reader_client.get(URL, {"status": "responded"}).json()["items"] == []
    assert_error(reader_client.get(URL, {"status": "nope"}), 400, "VALIDATION_ERROR")
    inquiry_id = filtered[0]["id"]
    body = reader_client.get(f"{URL}/{inquiry_id}").json()["data"]
    assert body["response_schema"] == SCHEMA and body["status"] == "pending" and body["prompt"] == "Deploy?"
    assert_error(reader_client.get(f"{URL}/999999"), 404, "NOT_FOUND")


def test_respond_validates_stores_and_answers_once(ask, responder):
    ask()
    inquiry = Inquiry.objects.get()
    client = client_for(responder)
    response = client.post(f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["response"] == {"approved": True, "note": "-"}
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.responded_by, inquiry.response["approved"]) == (
        "responded",
        responder,
        True,
    )
    again = client.post(f"{URL}/{inquiry.id}/respond", {"response": {"approved": False}}, format="json")
    assert_error(again, 409, "CONFLICT")
    inquiry.refresh_from_db()
    assert inquiry.response["approved"] is True


def test_respond_with_a_body_off_the_schema_is_400_and_changes_nothing(ask, responder):
    ask()
    inquiry = Inquiry.objects.get()
    client = client_for(responder)
    bad = client.post(f"{URL}/{inquiry.id}/respond", {"response": {"approved": "maybe"}}, format="json")
    body = assert_error(bad, 400, "VALIDATION_ERROR")
    assert "response.approved" in body["details"]
    missing = client.post(f"{URL}/{inquiry.id}/respond", {"response": {}}, format="json")
    assert_error(missing, 400, "VALIDATION_ERROR")
    assert_error(client.post(f"{URL}/{inquiry.id}/respond", {}, format="json"), 400, "VALIDATION_ERROR")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.PENDING and inquiry.response is None


def test_respond_needs_the_permission(ask, reader_client):
    ask()
    inquiry = Inquiry.objects.get()
    response = reader_client.post(
        f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json"
    )
    assert_error(response, 403, "FORBIDDEN")
    assert Inquiry.objects.get().status == InquiryStatus.PENDING


def test_an_assigned_inquiry_is_answered_by_its_assignee_or_a_superuser(
    ask, responder, make_user, api_client
):
    other = client_for(make_user("other", perms=["executions.respond_inquiry"]))
    ask(assigned_to="approver")
    inquiry = Inquiry.objects.get()
    refused = other.post(f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json")
    assert_error(refused, 403, "FORBIDDEN")
    ok = client_for(responder).post(
        f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json"
    )
    assert ok.status_code == 200
    ask(assigned_to="approver")
    second = Inquiry.objects.order_by("-id").first()
    by_root = api_client.post(f"{URL}/{second.id}/respond", {"response": {"approved": False}}, format="json")
    assert by_root.status_code == 200


@pytest.mark.parametrize("status", [InquiryStatus.TIMEOUT, InquiryStatus.CANCELLED])
def test_a_timed_out_or_cancelled_inquiry_is_409(ask, responder, status):
    ask()
    Inquiry.objects.update(status=status)
    inquiry = Inquiry.objects.get()
    response = client_for(responder).post(
        f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json"
    )
    assert_error(response, 409, "CONFLICT")
    assert Inquiry.objects.get().status == status


def test_an_inquiry_of_a_finished_workflow_is_409(ask, responder, make_execution):
    run = ask()
    workflow = make_execution(None, status=Status.CANCELLED, kind="workflow", action_ref="demo.flow")
    Execution.objects.filter(pk=run.pk).update(parent=workflow)
    inquiry = Inquiry.objects.get()
    response = client_for(responder).post(
        f"{URL}/{inquiry.id}/respond", {"response": {"approved": True}}, format="json"
    )
    assert_error(response, 409, "CONFLICT")
    assert Inquiry.objects.get().status == InquiryStatus.PENDING
