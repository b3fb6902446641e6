"""The execution page's operations on real executions: answering an inquiry, re-running with
the same parameters, and the permissions each needs (the page: executions/admin.py)."""

from django.contrib.messages import get_messages
from django.test import Client

from executions.models import Execution, Inquiry, InquiryStatus, Status

from .conftest import APPROVAL

CHANGELIST = "/admin/executions/execution/"


STEPS = """
parameters: {}
tasks:
  - {name: first, action: core.noop, next: [{do: [second]}]}
  - {name: second, action: core.noop}
"""


def logged_in(user) -> Client:
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_answer_on_the_page_is_recorded_and_the_workflow_completes(
    flow, run_flow, make_user, django_capture_on_commit_callbacks
):
    flow(APPROVAL)
    execution = run_flow("demo.flow")
    inquiry = Inquiry.objects.get(execution__parent=execution)
    browser = logged_in(make_user("boss", superuser=True))
    page = browser.get(f"{CHANGELIST}{execution.id}/change/").content.decode()
    assert f'id="inquiry-{inquiry.id}"' in page and 'name="_respond"' in page

    url = f"{CHANGELIST}{execution.id}/respond/{inquiry.id}/"
    refused = browser.post(url, {"response": '{"approved": "yes"}'})
    assert refused.status_code == 302
    assert any("approved" in sentence for sentence in said(refused))
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        answered = browser.post(url, {"response": '{"approved": true}'})
    assert answered.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.response) == (InquiryStatus.RESPONDED, {"approved": True})
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    again = browser.post(url, {"response": '{"approved": false}'})
    assert again.status_code == 302 and said(again)  # already answered: said so, nothing changed
    inquiry.refresh_from_db()
    assert inquiry.response == {"approved": True}


def test_a_workflow_execution_page_shows_its_graph_and_task_runs(flow, run_flow, make_user):
    flow(STEPS)
    execution = run_flow("demo.flow")
    assert execution.status == Status.COMPLETED
    page = logged_in(make_user("boss", superuser=True)).get(f"{CHANGELIST}{execution.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="execution-graph"' in html
    assert f"/api/v1/workflows/demo.flow/graph.svg?execution={execution.id}" in html
    assert 'id="task-runs"' in html
    for run in Execution.objects.filter(parent=execution):
        assert f"{CHANGELIST}{run.id}/change/" in html


def test_rerun_starts_the_same_workflow_with_the_same_parameters_as_me(
    flow, run_flow, make_user, django_capture_on_commit_callbacks
):
    flow(STEPS)
    execution = run_flow("demo.flow", {})
    me = make_user("boss", superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(me).post(f"{CHANGELIST}{execution.id}/rerun/")
    rerun = Execution.objects.filter(parent=None).exclude(id=execution.id).get()
    assert response.status_code == 302 and response.url == f"{CHANGELIST}{rerun.id}/change/"
    assert (rerun.action_ref, rerun.input, rerun.executor_id) == ("demo.flow", execution.input, me.id)
    rerun.refresh_from_db()
    assert rerun.status == Status.COMPLETED


def test_viewers_may_not_cancel_rerun_or_answer(flow, run_flow, make_user):
    flow(APPROVAL)
    execution = run_flow("demo.flow")
    inquiry = Inquiry.objects.get(execution__parent=execution)
    viewer = logged_in(make_user("viewer", perms=["executions.view_execution"]))
    assert viewer.get(f"{CHANGELIST}{execution.id}/change/").status_code == 200
    assert viewer.post(f"{CHANGELIST}{execution.id}/cancel/").status_code == 403
    assert viewer.post(f"{CHANGELIST}{execution.id}/rerun/").status_code == 403
    answer = viewer.post(
        f"{CHANGELIST}{execution.id}/respond/{inquiry.id}/", {"response": '{"approved": true}'}
    )
    assert answer.status_code == 302 and said(answer)  # refused by inquiries.respond, in words
    execution.refresh_from_db()
    inquiry.refresh_from_db()
    assert execution.status == Status.RUNNING and inquiry.status == InquiryStatus.PENDING
    assert Execution.objects.filter(parent=None).count() == 1


def test_a_stranger_sees_nothing(flow, run_flow, make_user):
    flow(STEPS)
    execution = run_flow("demo.flow")
    stranger = logged_in(make_user("stranger"))
    assert stranger.get(f"{CHANGELIST}{execution.id}/status/").status_code == 403
    assert stranger.post(f"{CHANGELIST}{execution.id}/rerun/").status_code == 403


def test_the_poll_brings_the_task_runs_and_the_waiting_inquiries(flow, run_flow, make_user):
    flow(APPROVAL)
    execution = run_flow("demo.flow")
    inquiry = Inquiry.objects.get(execution__parent=execution)
    browser = logged_in(make_user("boss", superuser=True))
    page = browser.get(f"{CHANGELIST}{execution.id}/change/").content.decode()
    assert f'data-inquiries="{inquiry.id}"' in page and 'id="execution-live-parts"' in page

    body = browser.get(f"{CHANGELIST}{execution.id}/status/").json()
    assert (body["status"], body["terminal"], body["waiting_inquiries"]) == (
        "running",
        False,
        str(inquiry.id),
    )
    runs = Execution.objects.filter(parent=execution).order_by("id")
    assert 'id="task-runs"' in body["live_parts_html"]
    for run in runs:  # every run so far is a row linking to its page
        assert f"{CHANGELIST}{run.id}/change/" in body["live_parts_html"]


LONGER = """
parameters: {}
tasks:
  - {name: first, action: core.noop, next: [{do: [second]}]}
  - {name: second, action: core.noop, next: [{do: [third]}]}
  - {name: third, action: core.noop, with_items: "{{ [1, 2, 3, 4] }}"}
"""


def test_the_poll_costs_the_same_queries_however_many_task_runs(flow, run_flow, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = logged_in(make_user("boss", superuser=True))

    def poll_queries(definition, ref) -> int:
        flow(definition, name=ref.split(".")[1])
        execution = run_flow(ref)
        assert execution.status == Status.COMPLETED, execution.result
        with CaptureQueriesContext(connection) as queries:
            body = browser.get(f"{CHANGELIST}{execution.id}/status/").json()
        assert (
            body["live_parts_html"].count("task-run-status")
            == Execution.objects.filter(parent=execution).count()
        )
        return len(queries)

    assert poll_queries(STEPS, "demo.two") == poll_queries(LONGER, "demo.six")
