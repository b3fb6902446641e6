"""Live progress over SSE: the events of one tree, resumable, ending when the root finished."""

import json

import pytest

from executions import events
from executions.models import ExecutionEvent, Status
from tests.conftest import assert_error

URL = "/api/v1/executions/stream"


@pytest.fixture
def tree(make_execution):
    root = make_execution(None, status=Status.COMPLETED, action_ref="demo.flow")
    other = make_execution(None, status=Status.COMPLETED, action_ref="demo.other")
    for n in range(3):
        events.record(root.id, root.id, "status", {"n": n})
    events.record(other.id, other.id, "status", {"n": 99})
    return root


def parse(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/event-stream"
    text = b"".join(response.streaming_content).decode()
    return [chunk for chunk in text.split("\n\n") if chunk]


def test_a_finished_tree_streams_its_events_and_ends(reader_client, tree):
    chunks = parse(reader_client.get(URL, {"execution_id": tree.id}))
    ids = list(ExecutionEvent.objects.filter(root=tree).values_list("id", flat=True))
    assert [c.splitlines()[0] for c in chunks] == [f"id: {i}" for i in ids]
    assert all(c.splitlines()[1] == "event: execution" for c in chunks)
    assert [json.loads(c.splitlines()[2][len("data: ") :])["payload"]["n"] for c in chunks] == [0, 1, 2]


def test_last_event_id_resumes_after_it(reader_client, tree):
    first = ExecutionEvent.objects.filter(root=tree).values_list("id", flat=True)[0]
    by_header = parse(reader_client.get(URL, {"execution_id": tree.id}, HTTP_LAST_EVENT_ID=str(first)))
    by_query = parse(reader_client.get(URL, {"execution_id": tree.id, "last_event_id": first}))
    assert len(by_header) == len(by_query) == 2


def test_a_running_tree_sends_keep_alives_and_closes_after_the_max(reader_client, make_execution, settings):
    settings.ATTUNE_SSE_KEEPALIVE_SECONDS = 0
    settings.ATTUNE_SSE_MAX_SECONDS = 1
    root = make_execution(None, status=Status.RUNNING, action_ref="demo.flow")
    chunks = parse(reader_client.get(URL, {"execution_id": root.id}))
    assert chunks and set(chunks) == {": keep-alive"}


def test_bad_input_is_4xx(reader_client, anon_client):
    assert_error(reader_client.get(URL), 400, "VALIDATION_ERROR")
    assert_error(reader_client.get(URL, {"execution_id": "x"}), 400, "VALIDATION_ERROR")
    assert_error(reader_client.get(URL, {"execution_id": 999999}), 404, "NOT_FOUND")
    assert anon_client.get(URL, {"execution_id": 1}).status_code == 401


def test_an_action_run_streams_each_status_it_went_through(
    reader_client, demo, settings, django_capture_on_commit_callbacks
):
    from executions.service import start_execution

    settings.ATTUNE_ENGINE_TRANSPORT = "inline"  # the run happens when its start commits
    with django_capture_on_commit_callbacks(execute=True):
        execution = start_execution(demo["noop"], {})
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED

    chunks = parse(reader_client.get(URL, {"execution_id": execution.id}))
    payloads = [json.loads(c.splitlines()[2][len("data: ") :])["payload"] for c in chunks]
    assert [p["status"] for p in payloads] == ["scheduled", "running", "completed"]
    assert {p["id"] for p in payloads} == {execution.id}
    assert payloads[0]["action_ref"] == execution.action_ref


def test_a_cancel_before_the_start_is_one_cancelled_event(reader_client, make_execution):
    from executions import lifecycle

    execution = make_execution(None, status=Status.SCHEDULED, action_ref="core.noop")
    lifecycle.request_cancel(execution)
    chunks = parse(reader_client.get(URL, {"execution_id": execution.id}))
    assert [json.loads(c.splitlines()[2][len("data: ") :])["payload"]["status"] for c in chunks] == [
        "cancelled"
    ]
