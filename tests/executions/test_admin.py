"""The executions admin: read-only, redacted, cancellable, and a form that runs actions."""

import pytest
from django.test import Client

from executions.models import Execution, Status
from tests.executions.conftest import SECRET_SCHEMA

CHANGELIST = "/admin/executions/execution/"


@pytest.fixture
def secret_run(make_action, make_execution):
    action = make_action("demo.echo", parameters=SECRET_SCHEMA)
    return make_execution(
        action,
        config={"message": "m", "token": "********"},
        input={"message": "m", "token": "hunter22"},
        env_vars={"SECRET_ENV": "env-value-9"},
        result={"succeeded": True, "stdout": "printed hunter22", "stderr": "warn line", "data": None},
    )


def staff(make_user, *perms, superuser=False):
    user = make_user("staff-" + "-".join(p.split(".")[1] for p in perms), perms=perms, superuser=superuser)
    user.is_staff = True
    user.save()
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(
    "query",
    ["", "?status__exact=completed", "?pack=demo", "?top_level=yes", "?top_level=no",
     "?q=demo.echo", "?q=1", "?q=notanumber"],
)  # fmt: skip
def test_the_changelist_renders_with_filters_and_search(admin_browser, secret_run, query):
    response = admin_browser.get(CHANGELIST + query)
    assert response.status_code == 200
    assert b"hunter22" not in response.content


def test_the_changelist_shows_coloured_status_and_duration(admin_browser, secret_run):
    page = admin_browser.get(CHANGELIST).content.decode()
    assert "demo.echo" in page and "background: #2e7d32; color: #fff" in page
    assert "Past 7 days" in page  # the date filter


def test_pack_and_top_level_filters_select_rows(admin_browser, make_action, make_execution):
    parent = make_execution(make_action("demo.echo"))
    child = make_execution(make_action("net.ping", entry_point="noop"), parent=parent)
    top = admin_browser.get(CHANGELIST + "?top_level=yes").context["cl"].result_list
    assert list(top) == [parent]
    by_pack = admin_browser.get(CHANGELIST + "?pack=net").context["cl"].result_list
    assert list(by_pack) == [child]


def test_the_changelist_has_no_n_plus_one(
    admin_browser, make_action, make_user, django_assert_max_num_queries
):
    action, user = make_action("demo.noop"), make_user("someone")
    Execution.objects.bulk_create(
        [Execution(action=action, action_ref=action.ref, executor=user) for _ in range(40)]
    )
    with django_assert_max_num_queries(12):
        assert admin_browser.get(CHANGELIST).status_code == 200


def test_the_detail_page_shows_redacted_parameters_and_masked_output(admin_browser, secret_run):
    response = admin_browser.get(f"{CHANGELIST}{secret_run.id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "********" in page and "printed ********" in page and "warn line" in page
    assert "hunter22" not in page and "env-value-9" not in page and "SECRET_ENV" not in page


def test_the_admin_cannot_add_change_or_delete_rows(admin_browser, secret_run):
    assert admin_browser.get(CHANGELIST + "add/").status_code == 403
    detail = admin_browser.get(f"{CHANGELIST}{secret_run.id}/change/").content
    assert b'name="_save"' not in detail
    assert admin_browser.post(f"{CHANGELIST}{secret_run.id}/delete/").status_code == 403
    assert Execution.objects.filter(id=secret_run.id).exists()


def test_cancel_selected_executions(admin_browser, make_action, make_execution):
    action = make_action("demo.sleep")
    waiting = make_execution(action, status=Status.SCHEDULED)
    running = make_execution(action, status=Status.RUNNING, worker="w")
    done = make_execution(action, status=Status.COMPLETED)
    ids = [waiting.id, running.id, done.id]
    response = admin_browser.post(
        CHANGELIST, {"action": "cancel_selected", "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Execution {waiting.id} (demo.sleep) was cancelled." in page
    assert f"Cancellation of execution {running.id} (demo.sleep) was requested" in page
    assert f"Execution {done.id} (demo.sleep) had already finished (completed)." in page
    statuses = dict(Execution.objects.values_list("id", "status"))
    assert statuses == {waiting.id: "cancelled", running.id: "canceling", done.id: "completed"}


def test_cancel_needs_the_change_permission(make_user, make_action, make_execution):
    waiting = make_execution(make_action("demo.sleep"), status=Status.SCHEDULED)
    viewer = staff(make_user, "executions.view_execution")
    page = viewer.get(CHANGELIST).content.decode()
    assert "cancel_selected" not in page
    viewer.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [waiting.id]})
    assert Execution.objects.get().status == Status.SCHEDULED
    canceller = staff(make_user, "executions.view_execution", "executions.change_execution")
    assert "cancel_selected" in canceller.get(CHANGELIST).content.decode()
    canceller.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [waiting.id]})
    assert Execution.objects.get().status == Status.CANCELLED


def test_run_an_action_from_the_admin(transactional_db, make_user, make_action):
    action = make_action("demo.echo", parameters={"message": {"type": "string"}})
    browser = staff(make_user, superuser=True)
    form = {"action": action.id, "parameters": '{"message": "from the admin"}', "timeout_seconds": ""}
    response = browser.post(CHANGELIST + "run/", form)
    execution = Execution.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{execution.id}/change/")
    assert execution.executor.is_superuser and execution.status == Status.COMPLETED
    assert execution.result["stdout"] == "from the admin"


def test_the_run_form_shows_the_services_refusals(admin_browser, make_action):
    action = make_action("demo.echo", parameters={"n": {"type": "integer"}})
    response = admin_browser.post(CHANGELIST + "run/", {"action": action.id, "parameters": '{"n": "x"}'})
    assert response.status_code == 200
    assert "parameters.n" in response.content.decode()
    assert not Execution.objects.exists()


def test_running_from_the_admin_needs_the_add_permission(make_user, make_action):
    make_action("demo.noop")
    viewer = staff(make_user, "executions.view_execution")
    assert viewer.get(CHANGELIST + "run/").status_code == 403
    assert "Run an action" not in viewer.get(CHANGELIST).content.decode()
