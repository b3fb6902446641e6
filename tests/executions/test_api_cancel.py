"""Cancelling and re-dispatching executions through the API."""

import pytest

from executions.models import Execution, Status
from tests.conftest import assert_error, client_for

URL = "/api/v1/executions"


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.SCHEDULING, Status.SCHEDULED])
def test_a_run_nobody_started_is_cancelled_at_once(api_client, make_action, make_execution, status):
    execution = make_execution(make_action("demo.sleep"), status=status)
    response = api_client.post(f"{URL}/{execution.id}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "cancelled"
    execution.refresh_from_db()
    assert (execution.status, execution.cancel_requested) == (Status.CANCELLED, True)


def test_a_running_run_becomes_canceling_for_its_worker_to_stop(api_client, make_action, make_execution):
    execution = make_execution(make_action("demo.sleep"), status=Status.RUNNING, worker="w1")
    response = api_client.post(f"{URL}/{execution.id}/cancel")
    assert response.json()["data"]["status"] == "canceling"
    execution.refresh_from_db()
    assert (execution.status, execution.cancel_requested) == (Status.CANCELING, True)


def test_cancelling_a_canceling_run_answers_its_state(api_client, make_action, make_execution):
    execution = make_execution(make_action("demo.sleep"), status=Status.CANCELING, worker="w1")
    response = api_client.post(f"{URL}/{execution.id}/cancel")
    assert (response.status_code, response.json()["data"]["status"]) == (200, "canceling")


@pytest.mark.parametrize(
    "status", [Status.COMPLETED, Status.FAILED, Status.TIMEOUT, Status.CANCELLED, Status.ABANDONED]
)
def test_cancelling_a_finished_run_is_a_409_and_changes_nothing(
    api_client, make_action, make_execution, status
):
    execution = make_execution(make_action("demo.sleep"), status=status, result={"succeeded": False})
    body = assert_error(api_client.post(f"{URL}/{execution.id}/cancel"), 409, "CONFLICT")
    assert status in body["error"]
    execution.refresh_from_db()
    assert (execution.status, execution.cancel_requested) == (status, False)


def test_cancel_needs_the_change_permission(make_user, make_action, make_execution):
    execution = make_execution(make_action("demo.sleep"), status=Status.SCHEDULED)
    reader = client_for(make_user("runner", perms=["executions.add_execution"]))
    assert_error(reader.post(f"{URL}/{execution.id}/cancel"), 403, "FORBIDDEN")
    assert Execution.objects.get().status == Status.SCHEDULED
    changer = client_for(make_user("changer", perms=["executions.change_execution"]))
    assert changer.post(f"{URL}/{execution.id}/cancel").status_code == 200


def test_cancelling_an_unknown_execution_is_a_404(api_client, db):
    assert_error(api_client.post(f"{URL}/12345/cancel"), 404, "NOT_FOUND")


def test_reschedule_dispatches_a_scheduled_run_again(
    transactional_db, api_client, make_action, make_execution
):
    # Scheduled without a dispatch, as when its message was lost; the inline transport runs it.
    execution = make_execution(make_action("demo.noop"), status=Status.SCHEDULED)
    response = api_client.post(f"{URL}/{execution.id}/reschedule")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["message"] and data["last_attempt_at"]
    assert (data["execution"]["id"], data["execution"]["status"]) == (execution.id, "completed")
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED and execution.dispatched_at is not None


@pytest.mark.parametrize("status", [Status.RUNNING, Status.COMPLETED, Status.CANCELLED])
def test_reschedule_of_a_run_that_is_not_scheduled_is_a_409(api_client, make_action, make_execution, status):
    execution = make_execution(make_action("demo.noop"), status=status)
    body = assert_error(api_client.post(f"{URL}/{execution.id}/reschedule"), 409, "CONFLICT")
    assert status in body["error"]
    execution.refresh_from_db()
    assert (execution.status, execution.dispatched_at) == (status, None)


def test_reschedule_needs_the_change_permission(reader_client, make_action, make_execution):
    execution = make_execution(make_action("demo.noop"), status=Status.SCHEDULED)
    assert_error(reader_client.post(f"{URL}/{execution.id}/reschedule"), 403, "FORBIDDEN")
    execution.refresh_from_db()
    assert execution.dispatched_at is None
