"""Reading executions: the list (filters, pagination, query counts), one execution, stats, logs."""

import pytest

from executions.models import Execution, Status
from executions.serializers import SUMMARY_FIELDS, ExecutionSummarySerializer
from tests.conftest import assert_error

URL = "/api/v1/executions"


@pytest.fixture
def runs(make_action, make_execution, make_user):
    echo, ping = make_action("demo.echo"), make_action("net.ping", entry_point="noop")
    alice = make_user("alice")
    parent = make_execution(echo, status=Status.COMPLETED, executor=alice)
    child = make_execution(echo, status=Status.FAILED, parent=parent)
    scheduled = make_execution(ping, status=Status.SCHEDULED, executor=alice)
    running = make_execution(ping, status=Status.RUNNING, parent=parent)
    return {"parent": parent, "child": child, "scheduled": scheduled, "running": running, "alice": alice}


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_the_list_is_newest_first_in_attunes_summary_shape(reader_client, runs):
    response = reader_client.get(URL)
    items = response.json()["items"]
    assert [item["id"] for item in items] == sorted(
        (r.id for r in runs.values() if isinstance(r, Execution)), reverse=True
    )
    assert set(items[0]) == set(SUMMARY_FIELDS)
    assert (items[0]["enforcement"], items[0]["rule_ref"], items[0]["trigger_ref"]) == (None, None, None)


def test_list_rows_equal_the_summary_serializer(reader_client, runs):
    items = reader_client.get(URL).json()["items"]
    expected = ExecutionSummarySerializer(Execution.objects.all(), many=True).data
    assert items == [dict(row) for row in expected]


def test_the_list_never_shows_parameters_input_or_environment(reader_client, make_action, make_execution):
    make_execution(
        make_action("demo.echo"), config={"token": "********"}, input={"token": "real"}, env_vars={"K": "v"}
    )
    response = reader_client.get(URL)
    assert b"real" not in response.content and b'"K"' not in response.content
    assert not {"config", "input", "env_vars"} & set(response.json()["items"][0])


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=failed", ["child"]),
        ("status=scheduled", ["scheduled"]),
        ("action_ref=demo.echo", ["child", "parent"]),
        ("action_ref=net.*", ["running", "scheduled"]),
        ("action_ref=*.ping", ["running", "scheduled"]),
        ("action_ref=demo", []),
        ("pack_name=net", ["running", "scheduled"]),
        ("pack_name=ne", []),
        ("top_level_only=true", ["scheduled", "parent"]),
        ("top_level_only=false", ["running", "scheduled", "child", "parent"]),
        ("status=running&pack_name=demo", []),
    ],
)
def test_filters(reader_client, runs, query, expected):
    assert ids(reader_client.get(f"{URL}?{query}")) == [runs[name].id for name in expected]


def test_filter_by_parent_lists_its_children(reader_client, runs):
    assert ids(reader_client.get(f"{URL}?parent={runs['parent'].id}")) == [
        runs["running"].id,
        runs["child"].id,
    ]
    assert ids(reader_client.get(f"{URL}?parent={runs['child'].id}")) == []


def test_filter_by_executor(reader_client, runs):
    alice = runs["alice"].id
    assert ids(reader_client.get(f"{URL}?executor={alice}")) == [runs["scheduled"].id, runs["parent"].id]
    assert ids(reader_client.get(f"{URL}?executor={alice + 100}")) == []


@pytest.mark.parametrize(
    "query",
    ["status=done", "status=", "parent=abc", "parent=0", f"parent={2**63}", "executor=1.5", "top_level_only=yes",
     "page=0", "per_page=101", "page_size=0", "include_total=1", "per_page=0&page_size=20",
     "page_size=-5&per_page=20", "page_size=x&per_page=20"],
)  # fmt: skip
def test_bad_list_parameters_are_a_400(reader_client, runs, query):
    assert_error(reader_client.get(f"{URL}?{query}"), 400, "VALIDATION_ERROR")


def test_pagination_without_totals_says_whether_there_is_more(reader_client, runs):
    first = reader_client.get(f"{URL}?per_page=3").json()
    assert len(first["items"]) == 3
    assert first["pagination"] == {"page": 1, "page_size": 3, "has_next": True, "has_previous": False}
    second = reader_client.get(f"{URL}?per_page=3&page=2").json()
    assert [item["id"] for item in second["items"]] == [runs["parent"].id]
    assert second["pagination"] == {"page": 2, "page_size": 3, "has_next": False, "has_previous": True}


def test_page_size_is_accepted_as_per_page(reader_client, runs):
    assert len(reader_client.get(f"{URL}?page_size=2").json()["items"]) == 2
    assert len(reader_client.get(f"{URL}?page_size=3&per_page=2").json()["items"]) == 2  # per_page wins


def test_include_total_adds_the_counts(reader_client, runs):
    pagination = reader_client.get(f"{URL}?per_page=3&include_total=true").json()["pagination"]
    assert (pagination["total_items"], pagination["total_pages"], pagination["has_next"]) == (4, 2, True)
    past = reader_client.get(f"{URL}?page=9&include_total=true").json()
    assert past["items"] == [] and past["pagination"]["total_items"] == 4


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize(
    "query, queries", [("", 2), ("?include_total=true", 3), ("?status=completed&pack_name=demo", 2)]
)
def test_the_list_costs_a_fixed_number_of_queries(
    reader_client, make_action, make_execution, django_assert_num_queries, rows, query, queries
):
    action = make_action("demo.echo")
    Execution.objects.bulk_create(
        [Execution(action=action, action_ref=action.ref, status="completed") for _ in range(rows)]
    )
    # The token's user: 1; the page: 1; with totals, the count: 1. Never a query per row.
    with django_assert_num_queries(queries):
        response = reader_client.get(f"{URL}{query}")
    assert len(response.json()["items"]) == rows


def test_reading_needs_authentication(anon_client, runs):
    assert_error(anon_client.get(URL), 401, "UNAUTHORIZED")
    assert_error(anon_client.get(f"{URL}/{runs['parent'].id}"), 401, "UNAUTHORIZED")


def test_get_one_execution(reader_client, make_action, make_execution, make_user):
    action = make_action("demo.echo", parameters={"token": {"type": "string", "secret": True}})
    result = {"succeeded": True, "stdout": "the token is abc123", "stderr": "", "exit_code": 0}
    execution = make_execution(
        action,
        config={"token": "********"},
        input={"token": "abc123"},
        result=result,
        worker="host:1",
        timeout_seconds=60,
    )
    response = reader_client.get(f"{URL}/{execution.id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["action"], data["status"], data["timeout_seconds"]) == (
        execution.id,
        action.id,
        "completed",
        60,
    )
    assert data["config"] == {"token": "********"}
    assert data["result"]["stdout"] == "the token is ********"
    assert (data["worker"], data["worker_name"]) == (None, "host:1")
    assert b"abc123" not in response.content and "input" not in data and "env_vars" not in data


def test_an_unfinished_execution_has_a_null_result(reader_client, make_action, make_execution):
    execution = make_execution(make_action("demo.echo"), status=Status.SCHEDULED)
    assert reader_client.get(f"{URL}/{execution.id}").json()["data"]["result"] is None


@pytest.mark.parametrize("path", ["999", str(2**64), "abc"])
def test_an_unknown_execution_is_a_404(reader_client, db, path):
    assert_error(reader_client.get(f"{URL}/{path}"), 404, "NOT_FOUND")


def test_stats_count_by_status_and_queue(reader_client, runs, make_execution):
    make_execution(None, status=Status.CANCELING)
    make_execution(None, status=Status.SCHEDULED, queue="attune.sel.gpu=yes")
    response = reader_client.get(f"{URL}/stats")
    assert response.status_code == 200
    data = response.json()["data"]
    expected = {
        "total": 6,
        "completed": 1,
        "failed": 1,
        "running": 1,
        "pending": 2,
        "cancelled": 1,
        "timeout": 0,
        "abandoned": 0,
    }
    assert {name: data[name] for name in expected} == expected
    assert (
        data["by_status"]["canceling"] == 1
        and data["by_status"]["scheduled"] == 2
        and len(data["by_status"]) == 10
    )
    assert data["scheduled_by_queue"] == {"attune.run": 1, "attune.sel.gpu=yes": 1}


@pytest.mark.parametrize("stream, text", [("stdout", "out ********"), ("stderr", "err")])
def test_logs_are_the_captured_output_as_text(reader_client, make_action, make_execution, stream, text):
    result = {"succeeded": True, "stdout": "out s3cret", "stderr": "err"}
    execution = make_execution(
        make_action("demo.echo"), result=result, config={"t": "********"}, input={"t": "s3cret"}
    )
    response = reader_client.get(f"{URL}/{execution.id}/logs/{stream}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == text


def test_logs_of_an_unfinished_run_are_empty(reader_client, make_action, make_execution):
    execution = make_execution(make_action("demo.echo"), status=Status.RUNNING)
    response = reader_client.get(f"{URL}/{execution.id}/logs/stdout")
    assert (response.status_code, response.content) == (200, b"")


def test_logs_of_an_unknown_stream_or_execution(reader_client, make_action, make_execution):
    execution = make_execution(make_action("demo.echo"))
    assert (
        "stream"
        in assert_error(reader_client.get(f"{URL}/{execution.id}/logs/stdin"), 400, "VALIDATION_ERROR")[
            "details"
        ]
    )
    assert_error(reader_client.get(f"{URL}/{execution.id + 1}/logs/stdout"), 404, "NOT_FOUND")


@pytest.mark.parametrize("url", [URL, "/api/v1/inquiries"])
@pytest.mark.parametrize("total", ["", "&include_total=true"])
def test_a_page_past_what_a_database_offset_holds_is_an_empty_page(reader_client, url, total, make_execution):
    """Found by the CI fuzz run: page 5e26 made SQLite's OFFSET overflow (a 500)."""
    make_execution()
    response = reader_client.get(f"{url}?per_page=8&page=538346208366399900860022784{total}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["items"] == [] and body["pagination"]["has_next"] is False
