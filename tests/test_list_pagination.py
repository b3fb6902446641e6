"""Every paginated list: `include_total` and a query count that does not grow with the page.

The lists share one pagination (attune.api.EnvelopePagination); these tests hold each
endpoint to it, so a new list or a serializer that reads per row shows up here.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from executions.models import Execution, Inquiry
from packs.models import Pack
from tests.conftest import DEFINITION
from workflows.models import Workflow

ROWS = 120  # more than the largest page, so every page is full
PACKS = 3
TAGS = ["ops", "nightly", "k8s"]

# (url, total by default, rows the url lists once `bulk` is seeded)
LISTS = {
    "packs": ("/api/v1/packs", True, PACKS + 1),  # the core pack is installed by migrate
    "workflows": ("/api/v1/workflows", True, ROWS),
    "pack workflows": ("/api/v1/packs/p0/workflows", True, ROWS // PACKS),
    "actions": ("/api/v1/actions", True, None),  # the core pack's actions as well
    "pack actions": ("/api/v1/packs/p0/actions", True, ROWS // PACKS),
    "executions": ("/api/v1/executions", False, ROWS),
    "inquiries": ("/api/v1/inquiries", False, ROWS),
}


@pytest.fixture
def bulk(db, make_user):
    """Rows enough that a query per row (tags, packs, users) would show in every count."""
    packs = Pack.objects.bulk_create(
        Pack(ref=f"p{n}", label=f"P{n}", version="1.0.0", tags=TAGS[: n + 1]) for n in range(PACKS)
    )
    Workflow.objects.bulk_create(
        Workflow(
            ref=f"p{n % PACKS}.w{n:03d}",
            pack=packs[n % PACKS],
            label=f"W{n:03d}",
            version="1.0.0",
            definition=DEFINITION,
            tags=TAGS[: n % 3 + 1],
        )
        for n in range(ROWS)
    )
    actions = Action.objects.bulk_create(
        Action(
            ref=f"p{n % PACKS}.a{n:03d}",
            pack=packs[n % PACKS],
            label=f"A{n:03d}",
            runner_type="python",
            entry_point="a.py",
            tags=TAGS[: n % 3 + 1],
        )
        for n in range(ROWS)
    )
    user = make_user("asker")
    executions = Execution.objects.bulk_create(
        Execution(action=actions[n], action_ref=actions[n].ref, status="completed", executor=user)
        for n in range(ROWS)
    )
    Inquiry.objects.bulk_create(Inquiry(execution=e, prompt="ok?", assigned_to=user) for e in executions)


@pytest.mark.parametrize("include_total", ["true", "false"])
@pytest.mark.parametrize("page_size", [1, 100])
@pytest.mark.parametrize("name", LISTS)
def test_every_list_costs_the_same_few_queries_whatever_the_page_size(
    reader_client, bulk, django_assert_num_queries, name, page_size, include_total
):
    url, _, _ = LISTS[name]
    # The token's user, the page and, with totals, the count; never a query per row.
    queries = 3 if include_total == "true" else 2
    with django_assert_num_queries(queries):
        response = reader_client.get(url, {"page_size": page_size, "include_total": include_total})
    assert response.status_code == 200
    assert len(response.json()["items"]) == min(page_size, LISTS[name][2] or page_size)


@pytest.mark.parametrize("name", LISTS)
def test_include_total_false_leaves_out_the_totals_and_runs_no_count(reader_client, bulk, name):
    url, _, rows = LISTS[name]
    with CaptureQueriesContext(connection) as queries:
        first = reader_client.get(url, {"page_size": 2, "include_total": "false"}).json()
    assert not [q for q in queries.captured_queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert first["pagination"] == {"page": 1, "page_size": 2, "has_next": True, "has_previous": False}
    assert len(first["items"]) == 2
    if rows is None:
        return
    # The last page: exactly the rows left, and nothing after it.
    last_page = -(-rows // 2)
    last = reader_client.get(url, {"page_size": 2, "page": last_page, "include_total": "false"}).json()
    assert last["pagination"] == {"page": last_page, "page_size": 2, "has_next": False, "has_previous": True}
    assert len(last["items"]) == rows - 2 * (last_page - 1)
    past = reader_client.get(url, {"page": 10**30, "include_total": "false"}).json()
    assert past["items"] == [] and past["pagination"]["has_next"] is False


@pytest.mark.parametrize("name", LISTS)
def test_include_total_true_counts_the_rows(reader_client, bulk, name):
    url, _, rows = LISTS[name]
    with CaptureQueriesContext(connection) as queries:
        body = reader_client.get(url, {"page_size": 7, "include_total": "true"}).json()
    counts = [q for q in queries.captured_queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert len(counts) >= 1
    total = body["pagination"]["total_items"]
    if rows is not None:
        assert total == rows
    assert body["pagination"] == {
        "page": 1,
        "page_size": 7,
        "total_items": total,
        "total_pages": -(-total // 7),
        "has_next": total > 7,
        "has_previous": False,
    }


@pytest.mark.parametrize("name", LISTS)
def test_the_default_is_totals_for_catalogue_lists_and_none_for_executions(reader_client, bulk, name):
    url, counted, _ = LISTS[name]
    pagination = reader_client.get(url).json()["pagination"]
    assert ("total_items" in pagination) is counted
    assert ("total_pages" in pagination) is counted


@pytest.mark.parametrize("value", ["", "1", "True", "yes", "false "])
@pytest.mark.parametrize("name", LISTS)
def test_include_total_is_strictly_true_or_false(reader_client, bulk, name, value):
    response = reader_client.get(LISTS[name][0], {"include_total": value})
    assert response.status_code == 400
    assert response.json() == {
        "error": f"Validation failed: include_total: Must be true or false, not '{value}'.",
        "code": "VALIDATION_ERROR",
        "details": {"include_total": [f"Must be true or false, not '{value}'."]},
    }


@pytest.mark.parametrize("include_total", ["true", "false"])
@pytest.mark.parametrize("contents", ["workflows", "actions"])
def test_an_unknown_pack_is_a_404_in_three_queries(
    reader_client, bulk, django_assert_num_queries, contents, include_total
):
    # user, page (or count), then whether the pack exists: the empty answer is told apart.
    with django_assert_num_queries(3):
        response = reader_client.get(f"/api/v1/packs/nope/{contents}", {"include_total": include_total})
    assert response.status_code == 404
    assert response.json()["error"] == "Pack 'nope' not found"


@pytest.mark.parametrize("include_total", ["true", "false"])
def test_a_pack_with_nothing_matching_is_an_empty_page(reader_client, bulk, include_total):
    response = reader_client.get(
        "/api/v1/packs/p0/workflows", {"tags": "none", "include_total": include_total}
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("query", [{"include_total": "yes"}, {"page": "0"}, {"page_size": "101"}])
@pytest.mark.parametrize("contents", ["workflows", "actions"])
def test_a_bad_query_on_an_unknown_pack_is_a_400_not_a_404(reader_client, bulk, contents, query):
    # The query is checked before the pack: the client learns what to fix first.
    response = reader_client.get(f"/api/v1/packs/nope/{contents}", query)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert list(response.json()["details"]) == list(query)
