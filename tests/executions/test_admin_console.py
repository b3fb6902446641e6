"""The execution page's console and the dashboard of the admin index."""

from executions.models import Execution, Status

CHANGELIST = "/admin/executions/execution/"


def test_the_execution_page_shows_status_and_buttons(admin_browser, make_action, make_execution):
    running = make_execution(make_action("demo.sleep"), status=Status.RUNNING, worker="w")
    page = admin_browser.get(f"{CHANGELIST}{running.id}/change/").content.decode()
    assert 'id="execution-status"' in page and 'id="cancel-execution"' in page
    assert 'id="rerun-execution"' in page


def test_the_status_poll_answers_json(admin_browser, make_action, make_execution):
    done = make_execution(make_action("demo.sleep"), status=Status.COMPLETED)
    body = admin_browser.get(f"{CHANGELIST}{done.id}/status/").json()
    assert (body["status"], body["terminal"], body["waiting_inquiries"]) == ("completed", True, "")
    assert "execution-task-runs" not in body["live_parts_html"]  # an action run has no task runs


def test_cancel_from_the_page_cancels(admin_browser, make_action, make_execution):
    waiting = make_execution(make_action("demo.sleep"), status=Status.SCHEDULED)
    response = admin_browser.post(f"{CHANGELIST}{waiting.id}/cancel/")
    assert response.status_code == 302
    assert Execution.objects.get(id=waiting.id).status == Status.CANCELLED


def test_the_dashboard_counts_running_executions(admin_browser, make_action, make_execution):
    make_execution(make_action("demo.sleep"), status=Status.RUNNING, worker="w")
    page = admin_browser.get("/admin/").content.decode()
    assert 'id="dashboard-running"' in page and "?status__exact=running" in page
