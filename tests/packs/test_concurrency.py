"""Concurrent pack writes on real threads: a deleted pack stays deleted, no field is lost."""

import pytest

from packs.models import Pack
from tests.conftest import client_for
from tests.threads import run_together

ROUNDS = 10
UPDATES = 19
URL = "/api/v1/packs/race"


@pytest.fixture
def credentials(make_user):
    return client_for(make_user("racer", superuser=True))._credentials


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


def patch(body):
    return lambda client: client.patch(URL, body, format="json")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_deleted_pack_stays_deleted_under_concurrent_updates(credentials, make_workflow, round_):
    make_workflow("race.flow")
    updates = [patch({"label": f"Label {i}", "version": f"1.0.{i}"}) for i in range(UPDATES)]

    responses = run_together(credentials, [lambda client: client.delete(URL), *updates])

    assert responses[0].status_code == 200, responses[0].content
    assert set(statuses(responses[1:])) <= {200, 404}, statuses(responses)
    assert all(r.json()["code"] == "NOT_FOUND" for r in responses[1:] if r.status_code == 404)
    assert not Pack.objects.filter(ref="race").exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deletes_give_one_200_and_one_404(credentials, make_pack):
    make_pack("race")

    responses = run_together(credentials, [lambda client: client.delete(URL)] * 2)

    assert statuses(responses) == [200, 404]
    assert not Pack.objects.filter(ref="race").exists()


PACK_FIELDS = {
    "label": "New label",
    "description": "New description",
    "version": "2.0.0",
    "tags": ["new"],
    "meta": {"owner": "ops"},
    "dependencies": ["demo"],
    "runtime_deps": ["requests"],
    "is_standard": True,
    "worker_selector": {"zone": "eu"},
    "worker_tolerations": [{"key": "gpu"}],
    "worker_affinity": {"prefer": "fast"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_concurrent_patches_of_different_pack_fields_all_survive(credentials, make_pack, round_):
    make_pack("race")

    responses = run_together(credentials, [patch({name: value}) for name, value in PACK_FIELDS.items()])

    assert statuses(responses) == [200] * len(PACK_FIELDS), [r.content for r in responses]
    pack = Pack.objects.get(ref="race")
    assert {name: getattr(pack, name) for name in PACK_FIELDS} == PACK_FIELDS
    assert pack.revision == 1 + len(PACK_FIELDS)


@pytest.mark.django_db(transaction=True)
def test_config_and_conf_schema_patched_together_are_checked_against_each_other(credentials, make_pack):
    # Each PATCH is validated under the row lock against the other's committed result, so
    # the pair can never store a config that breaks the schema.
    make_pack("race", config={"port": 1})
    schema = {"type": "object", "properties": {"port": {"type": "string"}}}

    responses = run_together(credentials, [patch({"conf_schema": schema}), patch({"config": {"port": 2}})])

    pack = Pack.objects.get(ref="race")
    assert 400 in statuses(responses), statuses(responses)
    assert not (pack.conf_schema == schema and pack.config == {"port": 2})
