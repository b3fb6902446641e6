"""The benchmark's floors (bench/views.py) do the API's database work and answer its bytes.

bench/list_workflows.py reads the API's requests/s against these views; the ratio means
something only if the floor reads the same rows with the same SQL and writes the same
body, so that what it leaves out is authentication and DRF alone.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.data import make_packs, make_workflows
from workflows.models import Workflow


@pytest.fixture
def seeded(db, settings):
    settings.ROOT_URLCONF = "bench.urls"
    make_workflows(120, make_packs(3))
    Workflow.objects.filter(pk=Workflow.objects.order_by("pk").first().pk).update(out_schema={"x": {}})


def sql_of(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


@pytest.mark.parametrize("query", ["", "?include_total=true", "?include_total=false", "?page_size=7"])
def test_the_list_floor_answers_the_api_bytes_with_the_api_sql(seeded, reader_client, query):
    api, api_sql = sql_of(reader_client, f"/api/v1/workflows{query or '?'}")
    floor, floor_sql = sql_of(Client(), f"/bench/floor{query}")
    assert floor.content == api.content
    # The API's first query loads the token's user: authentication, which the floor leaves out.
    assert "auth_user" in api_sql[0]
    assert floor_sql == api_sql[1:]


def test_the_detail_floor_answers_the_api_bytes_and_etag(seeded, reader_client):
    ref = Workflow.objects.filter(out_schema__isnull=False).get().ref
    api, api_sql = sql_of(reader_client, f"/api/v1/workflows/{ref}")
    floor, floor_sql = sql_of(Client(), f"/bench/floor/{ref}")
    assert floor.content == api.content
    assert floor["ETag"] == api["ETag"]
    # Both read the one row by its ref, joined to its pack; the floor only the shown columns.
    assert len(floor_sql) == len(api_sql) - 1 == 1
    assert '"workflows_workflow"."ref" = ' in floor_sql[0] and "packs_pack" in floor_sql[0]
    assert Client().get("/bench/floor/nope.nope").status_code == 404
