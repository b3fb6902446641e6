"""Concurrent writes on real threads: one winner per ref, no row resurrected, no write lost."""

import pytest
from django.db import connection

from packs.models import Pack
from tests.conftest import DEFINITION, client_for
from tests.threads import run_together
from workflows.models import Workflow

THREADS = 8
ROUNDS = 10
UPDATES = 19


@pytest.fixture
def credentials(make_user):
    return client_for(make_user("racer", superuser=True))._credentials


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


def patch(url, body):
    return lambda client: client.patch(url, body, format="json")


def delete(url):
    return lambda client: client.delete(url)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_creates_give_one_201_and_409s(credentials, make_pack):
    make_pack("race")
    body = {
        "ref": "race.flow",
        "pack_ref": "race",
        "label": "Race",
        "version": "1.0.0",
        "definition": DEFINITION,
    }
    create = lambda client: client.post("/api/v1/workflows", body, format="json")  # noqa: E731

    responses = run_together(credentials, [create] * THREADS)

    assert statuses(responses) == [201] + [409] * (THREADS - 1), (connection.vendor, statuses(responses))
    assert Workflow.objects.filter(ref="race.flow").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_deleted_workflow_stays_deleted_under_concurrent_updates(credentials, make_workflow, round_):
    make_workflow("race.flow")
    url = "/api/v1/workflows/race.flow"
    updates = [patch(url, {"label": f"Label {i}", "tags": [f"t{i}"]}) for i in range(UPDATES)]

    responses = run_together(credentials, [delete(url), *updates])

    assert responses[0].status_code == 200, responses[0].content
    assert set(statuses(responses[1:])) <= {200, 404}, statuses(responses)
    assert all(r.json()["code"] == "NOT_FOUND" for r in responses[1:] if r.status_code == 404)
    assert not Workflow.objects.filter(ref="race.flow").exists()


@pytest.mark.django_db(transaction=True)
def test_updates_without_a_delete_all_succeed(credentials, make_workflow):
    make_workflow("race.flow")
    url = "/api/v1/workflows/race.flow"

    responses = run_together(credentials, [patch(url, {"label": f"Label {i}"}) for i in range(UPDATES)])

    assert statuses(responses) == [200] * UPDATES
    assert Workflow.objects.get(ref="race.flow").revision == 1 + UPDATES


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_workflow_update_racing_its_packs_delete_gives_404_never_500(credentials, make_workflow, round_):
    make_workflow("race.flow")
    url = "/api/v1/workflows/race.flow"
    updates = [patch(url, {"description": f"Change {i}", "enabled": i % 2 == 0}) for i in range(UPDATES)]

    responses = run_together(credentials, [delete("/api/v1/packs/race"), *updates])

    assert responses[0].status_code == 200, responses[0].content
    assert set(statuses(responses[1:])) <= {200, 404}, statuses(responses)
    assert not Pack.objects.filter(ref="race").exists()
    assert not Workflow.objects.filter(ref="race.flow").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS // 2))
def test_a_workflow_create_racing_its_packs_delete_gives_201_or_404(credentials, make_pack, round_):
    make_pack("race")
    creates = [
        lambda client, i=i: client.post(
            "/api/v1/workflows",
            {
                "ref": f"race.flow{i}",
                "pack_ref": "race",
                "label": "R",
                "version": "1.0.0",
                "definition": DEFINITION,
            },
            format="json",
        )
        for i in range(THREADS)
    ]

    responses = run_together(credentials, [delete("/api/v1/packs/race"), *creates])

    assert responses[0].status_code == 200, responses[0].content
    assert set(statuses(responses[1:])) <= {201, 404}, statuses(responses)
    assert not Workflow.objects.filter(pack__ref="race").exists()
    assert not Workflow.objects.filter(ref__startswith="race.").exists()


WORKFLOW_FIELDS = {
    "label": "New label",
    "description": "New description",
    "version": "2.0.0",
    "tags": ["new"],
    "enabled": False,
    "param_schema": {"type": "object", "properties": {"host": {"type": "string"}}},
    "out_schema": {"type": "object"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_patches_of_different_workflow_fields_all_survive(credentials, make_workflow, round_):
    make_workflow("race.flow")
    url = "/api/v1/workflows/race.flow"

    responses = run_together(
        credentials, [patch(url, {name: value}) for name, value in WORKFLOW_FIELDS.items()]
    )

    assert statuses(responses) == [200] * len(WORKFLOW_FIELDS), [r.content for r in responses]
    workflow = Workflow.objects.get(ref="race.flow")
    assert {name: getattr(workflow, name) for name in WORKFLOW_FIELDS} == WORKFLOW_FIELDS
    assert workflow.revision == 1 + len(WORKFLOW_FIELDS)
