"""examples/packs/approvals end to end over the API: the workflow is started with
POST /api/v1/executions/execute, waits on its inquiry, and an approver's
POST /api/v1/inquiries/{id}/respond decides which branch runs. The ITSM API and Slack
are the fake HTTP server; deployments.deploy_service (yours to provide) is a stand-in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from executions import sweeper
from executions.models import Execution, Inquiry, Status
from tests.conftest import client_for

from .conftest import task_runs
from .examples_support import slack_ok, slack_posts

COVERED_REFS = {"approvals.change_approval", "approvals.request_decision"}
CHANGE = {
    "service": "billing",
    "release": "v2.14.0",
    "summary": "Faster invoices; roll back with v2.13.2",
    "requested_by": "U0REQ",
    "approvers": ["U0CM1", "U0CM2"],
}
DECISION = {"title": "Open the firewall for the audit", "requested_by": "U0REQ", "approvers": ["U0CM1"]}


@pytest.fixture
def api(api_client, django_capture_on_commit_callbacks):
    """`api(method, url, body)`: the response, with the engine's work done before it returns."""

    def call(method, url, body=None, client=api_client):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(client, method)(url, body, format="json")

    return call


@pytest.fixture
def approver(make_user):
    return client_for(make_user("change_manager", perms=["executions.respond_inquiry"]))


@pytest.fixture
def services(example_packs, standin):
    slack_ok(example_packs)
    example_packs.answer("POST", "/approvals/changes", {"number": "CHG0042"}, status=201)
    standin("deployments.deploy_service", {"deployed": True})
    return example_packs


def start(api, ref, parameters) -> Execution:
    response = api("post", "/api/v1/executions/execute", {"action_ref": ref, "parameters": parameters})
    assert response.status_code == 201, response.content
    execution = Execution.objects.get(pk=response.json()["data"]["id"])
    assert execution.status == Status.RUNNING, execution.result
    return execution


def pending_inquiry(api) -> dict:
    [inquiry] = api("get", "/api/v1/inquiries", {"status": "pending"}).json()["items"]
    return inquiry


def answer(api, approver, inquiry, approved, comment) -> Execution:
    body = {"response": {"approved": approved, "comment": comment}}
    response = api("post", f"/api/v1/inquiries/{inquiry['id']}/respond", body, client=approver)
    assert response.status_code == 200, response.content


def tasks(execution) -> list[tuple]:
    return sorted((task, status) for task, _, _, _, status in task_runs(execution))


def itsm_calls(fake) -> list[tuple]:
    return [call for call in fake.calls() if call[1].startswith("/approvals/changes")]


def test_an_approved_change_is_scheduled_deployed_and_closed(services, api, approver):
    execution = start(api, "approvals.change_approval", CHANGE)
    inquiry = pending_inquiry(api)
    assert inquiry["prompt"] == "CHG0042: deploy billing v2.14.0 to production"
    answer(api, approver, inquiry, True, "go ahead")
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "change_id": "CHG0042",
        "approved": True,
        "approved_by": "change_manager",
        "outcome": "deployed",
        "succeeded": True,
    }
    assert tasks(execution) == [
        ("announce_outcome", "completed"),
        ("close_change", "completed"),
        ("deploy", "completed"),
        ("get_approval", "completed"),
        ("open_change", "completed"),
        ("schedule_change", "completed"),
    ]  # notify_cab is skipped: the risk is not high
    decision = execution.children.get(task_name="get_approval")
    assert tasks(decision) == [
        ("announce_approved", "completed"),
        ("ask", "completed"),
        ("notify_approvers", "completed"),
        ("notify_approvers", "completed"),
        ("post_to_channel", "completed"),
        ("wait_for_decision", "completed"),
    ]
    assert itsm_calls(services) == [
        (
            "POST",
            "/approvals/changes",
            {
                "short_description": "Deploy billing v2.14.0 to production",
                "description": CHANGE["summary"],
                "risk": "medium",
                "requested_by": "U0REQ",
            },
        ),
        ("PATCH", "/approvals/changes/CHG0042", {"state": "scheduled", "approved_by": "change_manager"}),
        ("PATCH", "/approvals/changes/CHG0042", {"state": "closed", "close_code": "successful"}),
    ]
    [deployed] = [r.body for r in services.requests if r.path == "/standin/deployments/deploy_service"]
    assert deployed == {
        "service": "billing",
        "version": "v2.14.0",
        "environment": "production",
        "change_id": "CHG0042",
    }
    posts = slack_posts(services)
    assert sorted(channel for channel, _ in posts[:3]) == ["#changes", "U0CM1", "U0CM2"]
    assert posts[-2:] == [
        ("#changes", ":white_check_mark: change_manager approved: " + inquiry["prompt"] + " go ahead"),
        ("#changes", "CHG0042 (billing v2.14.0 to production): deployed"),
    ]
    assert Inquiry.objects.get().status == "responded"


def test_a_rejected_change_is_cancelled_and_not_deployed(services, api, approver):
    execution = start(api, "approvals.change_approval", {**CHANGE, "risk": "high"})
    answer(api, approver, pending_inquiry(api), False, "not during the freeze")
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "change_id": "CHG0042",
        "approved": False,
        "approved_by": "",
        "outcome": "rejected",
        "succeeded": True,
    }
    assert tasks(execution) == [
        ("announce_outcome", "completed"),
        ("cancel_change", "completed"),
        ("get_approval", "completed"),
        ("notify_cab", "completed"),
        ("open_change", "completed"),
    ]
    assert itsm_calls(services)[1:] == [
        (
            "PATCH",
            "/approvals/changes/CHG0042",
            {"state": "canceled", "close_notes": "Not approved (rejected)"},
        ),
    ]
    assert not [r for r in services.requests if r.path.startswith("/standin/deployments")]
    posts = dict(slack_posts(services))
    assert posts["#cab"].startswith("High-risk change CHG0042 awaits approval")
    assert posts["#changes"] == "CHG0042 (billing v2.14.0 to production): rejected"


def test_request_decision_on_its_own_reports_who_approved(services, api, approver):
    execution = start(api, "approvals.request_decision", DECISION)
    inquiry = pending_inquiry(api)
    assert (inquiry["response_schema"], inquiry["timeout_at"] is not None) == (
        {"approved": {"type": "boolean", "required": True}, "comment": {"type": "string", "default": ""}},
        True,
    )
    answer(api, approver, inquiry, True, "")
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "request_id": inquiry["id"],
        "decision": "approved",
        "decided_by": "change_manager",
        "comment": "",
        "succeeded": True,
    }
    assert slack_posts(services)[-1] == (
        "#approvals",
        ":white_check_mark: change_manager approved: " + DECISION["title"] + " ",
    )


def test_an_unanswered_request_expires_when_its_inquiry_times_out(
    services, api, approver, django_capture_on_commit_callbacks
):
    execution = start(api, "approvals.request_decision", {**DECISION, "timeout_minutes": 5})
    Inquiry.objects.update(timeout_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.time_out_inquiries() == 1
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert (execution.result["decision"], execution.result["decided_by"]) == ("expired", "")
    assert ("announce_expired", "completed") in tasks(execution)
    assert slack_posts(services)[-1][1].startswith(":hourglass: Nobody answered within 5 minutes")
    late = api(
        "post",
        f"/api/v1/inquiries/{Inquiry.objects.get().id}/respond",
        {"response": {"approved": True}},
        client=approver,
    )
    assert late.status_code == 409
