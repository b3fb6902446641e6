"""The design note's requests (shared/seed/phase-1.5-workflow-api-summary.txt), sent verbatim.

Bodies and query strings are copied byte for byte from the note's curl commands; the
`Authorization: Bearer ${ACCESS_TOKEN}` header is a real access token from `/auth/login`.
"""

import json

import pytest
from rest_framework.test import APIClient

from packs.models import Pack
from tests.conftest import PASSWORD, assert_error
from workflows.models import Workflow

URL = "/api/v1/workflows"

# "Create a Workflow", the -d '...' body as the note prints it.
CREATE_BODY = """{
"ref": "slack.incident_workflow",
"pack_ref": "slack",
"label": "Incident Response Workflow",
"version": "1.0.0",
"definition": {
"tasks": [
{
"name": "notify_team",
"action": "slack.post_message",
"input": {"channel": "#incidents"}
}
]
},
"tags": ["incident", "automation"],
"enabled": true
}"""

# "Update a Workflow".
UPDATE_BODY = """{
"label": "Updated Incident Response",
"version": "1.1.0",
"enabled": false
}"""

# "List Workflows with Filters": the four query strings.
BY_TAGS = "?tags=incident,approval"
BY_ENABLED = "?enabled=true"
BY_SEARCH = "?search=response"
COMBINED = "?enabled=true&tags=incident&search=response"


@pytest.fixture
def seed_client(make_user):
    """A client sending `Authorization: Bearer ${ACCESS_TOKEN}` with a token from a real login."""
    make_user("admin", superuser=True)
    login = APIClient().post("/auth/login", {"login": "admin", "password": PASSWORD}, format="json")
    assert login.status_code == 200, login.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['data']['access_token']}")
    return client


@pytest.fixture
def slack(make_pack):
    return make_pack("slack", label="Slack")


def create(client):
    return client.post(URL, CREATE_BODY, content_type="application/json")


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["ref"] for item in response.json()["items"])


@pytest.fixture
def listed(seed_client, slack, make_workflow):
    """The note's workflow, plus one row per filter that must be left out (the negative twins)."""
    assert create(seed_client).status_code == 201
    make_workflow("slack.approval_flow", label="Approval", tags=["approval"], enabled=True)
    make_workflow("slack.disabled_response", label="Old response", tags=["incident"], enabled=False)
    make_workflow("slack.nightly", label="Nightly report", tags=["reporting"], enabled=True)
    return seed_client


def test_the_seed_create_request_creates_the_workflow(seed_client, slack):
    response = create(seed_client)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"] == "Workflow created successfully"
    data = body["data"]
    assert data["ref"] == "slack.incident_workflow"
    assert data["pack_ref"] == "slack"
    assert data["pack"] == slack.pk
    assert data["label"] == "Incident Response Workflow"
    assert data["version"] == "1.0.0"
    assert data["tags"] == ["incident", "automation"]
    assert data["enabled"] is True
    task = {"name": "notify_team", "action": "slack.post_message", "input": {"channel": "#incidents"}}
    assert data["definition"] == {"tasks": [task]}
    stored = Workflow.objects.get(ref="slack.incident_workflow")
    assert (stored.pack_id, stored.label, stored.version) == (slack.pk, "Incident Response Workflow", "1.0.0")
    assert stored.tags == ["incident", "automation"] and stored.enabled is True
    assert stored.definition == {"tasks": [task]}


def test_the_seed_create_body_is_sent_unchanged():
    # Guards the copy: the body parses to exactly what the note shows, with no `version` in
    # the definition (the record's `version` is the workflow's version).
    body = json.loads(CREATE_BODY)
    assert "version" not in body["definition"] and body["version"] == "1.0.0"


def test_the_seed_tag_filter_lists_workflows_with_any_of_the_tags(listed):
    assert refs(listed.get(URL + BY_TAGS)) == [
        "slack.approval_flow",
        "slack.disabled_response",
        "slack.incident_workflow",
    ]


def test_the_seed_enabled_filter_leaves_out_disabled_workflows(listed):
    assert refs(listed.get(URL + BY_ENABLED)) == [
        "slack.approval_flow",
        "slack.incident_workflow",
        "slack.nightly",
    ]


def test_the_seed_search_matches_label_text(listed):
    assert refs(listed.get(URL + BY_SEARCH)) == ["slack.disabled_response", "slack.incident_workflow"]


def test_the_seed_combined_filters_all_apply(listed):
    response = listed.get(URL + COMBINED)
    assert refs(response) == ["slack.incident_workflow"]
    assert response.json()["pagination"]["total_items"] == 1


def test_the_seed_update_request_changes_only_the_fields_sent(seed_client, slack):
    create(seed_client)
    response = seed_client.put(f"{URL}/slack.incident_workflow", UPDATE_BODY, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Workflow updated successfully"
    assert (body["data"]["label"], body["data"]["version"], body["data"]["enabled"]) == (
        "Updated Incident Response",
        "1.1.0",
        False,
    )
    stored = Workflow.objects.get(ref="slack.incident_workflow")
    assert (stored.label, stored.version, stored.enabled) == ("Updated Incident Response", "1.1.0", False)
    assert stored.tags == ["incident", "automation"]  # not sent, kept
    assert stored.definition["tasks"][0]["name"] == "notify_team"


def test_the_seed_delete_request_removes_the_workflow(seed_client, slack):
    create(seed_client)
    response = seed_client.delete(f"{URL}/slack.incident_workflow")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "message": "Workflow 'slack.incident_workflow' deleted successfully",
    }
    assert not Workflow.objects.filter(ref="slack.incident_workflow").exists()
    assert Pack.objects.filter(ref="slack").exists()  # the pack stays
    assert_error(seed_client.delete(f"{URL}/slack.incident_workflow"), 404, "NOT_FOUND")


def test_the_seed_create_request_requires_authentication(slack):
    assert_error(APIClient().post(URL, CREATE_BODY, content_type="application/json"), 401, "UNAUTHORIZED")
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("query", [BY_TAGS, BY_ENABLED, BY_SEARCH, COMBINED])
def test_the_seed_list_requests_require_authentication(query, slack):
    assert_error(APIClient().get(URL + query), 401, "UNAUTHORIZED")


def test_the_seed_create_request_sent_twice_is_a_conflict(seed_client, slack):
    assert create(seed_client).status_code == 201
    body = assert_error(create(seed_client), 409, "CONFLICT")
    assert "slack.incident_workflow" in body["error"]
    assert Workflow.objects.filter(ref="slack.incident_workflow").count() == 1
    assert Workflow.objects.get().label == "Incident Response Workflow"


def test_the_seed_create_request_without_its_pack_is_not_found(seed_client):
    body = assert_error(create(seed_client), 404, "NOT_FOUND")
    assert body["error"] == "Pack 'slack' not found"
    assert not Workflow.objects.exists()
