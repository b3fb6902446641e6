"""The operator's tour of the admin in headless Chromium, against a live server and a real
embedded worker process (how `make run` runs executions). Each step saves screenshots."""

import re

import pytest
import yaml
from selenium.webdriver.support.ui import Select

from executions.models import Execution, Inquiry
from packs.models import Pack
from tests.executions.engine.conftest import APPROVAL
from workflows.models import Workflow

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STEPS = """
tasks:
  - name: first
    action: demo.noop
    next: [{when: "{{ succeeded() }}", do: [second]}]
  - name: second
    action: demo.noop
"""


SLOW = """
cancellation_policy: cancel_running
tasks:
  - name: wait
    action: demo.sleep
    input: {seconds: 60}
"""


@pytest.fixture
def make_flow(demo):
    def make(name, definition):
        return Workflow.objects.create(
            ref=f"demo.{name}",
            pack=Pack.objects.get(ref="demo"),
            label=name.title(),
            version="1.0.0",
            definition={"version": "1.0.0", **yaml.safe_load(definition)},
        )

    return make


@pytest.fixture
def worker(embedded, workers):
    return workers.embedded("--concurrency", "2")


def run_from_form(browser, workflow) -> Execution:
    """Workflow page → "Run…" → submit: the execution's admin page."""
    browser.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    browser.wait_css(f"a[href$='/admin/workflows/workflow/{workflow.pk}/run/']").click()
    browser.wait_css("#content-main form")
    browser.screenshot("run-form")
    browser.find("#content-main form [type=submit]").click()
    browser.wait_for(
        lambda d: re.search(r"/admin/executions/execution/\d+/change/", d.current_url),
        what="the execution page",
    )
    execution_id = int(re.search(r"/execution/(\d+)/change/", browser.driver.current_url).group(1))
    return Execution.objects.get(pk=execution_id)


def test_a_login_to_the_admin(browser, operator):
    browser.login(operator.username)
    browser.screenshot("dashboard")
    assert browser.driver.current_url.endswith("/admin/")
    assert "operator" in browser.find("#user-tools").text.lower()


def test_b_a_run_started_from_the_form_completes_with_the_graph_coloured(logged_in, make_flow, worker):
    workflow = make_flow("steps", STEPS)
    execution = run_from_form(logged_in, workflow)
    logged_in.screenshot("started")
    # The page polls while the run goes on: no reload by the test.
    logged_in.wait_text("#execution-status", "completed", timeout=30)
    graph = logged_in.find("img#execution-graph")
    assert f"execution={execution.id}" in graph.get_attribute("src")
    logged_in.wait_for(
        lambda d: d.execute_script("return arguments[0].naturalWidth", graph) > 0, what="the graph image"
    )
    # The poll swaps in the task-runs table too: both tasks' runs, completed.
    logged_in.wait_for(
        lambda d: (
            [cell.text for cell in d.find_elements("css selector", "#task-runs .task-run-status")]
            == ["completed", "completed"]
        ),
        what="both task runs completed in the table",
    )
    logged_in.screenshot("completed")
    execution.refresh_from_db()
    assert execution.status == "completed"
    assert execution.action_ref == "demo.steps"


def test_c_an_approval_answered_on_the_execution_page_completes_the_workflow(logged_in, make_flow, worker):
    workflow = make_flow("approval", APPROVAL)
    execution = run_from_form(logged_in, workflow)
    inquiry = logged_in.wait_for(
        lambda d: Inquiry.objects.filter(execution__parent=execution).first(), what="the inquiry"
    )
    form = logged_in.wait_css(f"form#inquiry-{inquiry.id}", timeout=30)  # the poll reloads the page for it
    logged_in.screenshot("inquiry")
    answer = form.find_element("css selector", "textarea[name=response]")
    answer.clear()  # prefilled with {}
    answer.send_keys('{"approved": true}')
    form.find_element("css selector", "button[name=_respond]").click()
    logged_in.wait_text("#execution-status", "completed", timeout=30)
    logged_in.screenshot("completed")
    inquiry.refresh_from_db()
    assert inquiry.response == {"approved": True}
    execution.refresh_from_db()
    assert execution.status == "completed"


def test_d_a_slow_run_is_cancelled_from_its_page(logged_in, make_flow, worker):
    workflow = make_flow("slow", SLOW)
    execution = run_from_form(logged_in, workflow)
    logged_in.wait_text("#execution-status", "running", timeout=30)
    logged_in.find("form#cancel-execution [type=submit]").click()
    logged_in.wait_text("#execution-status", "cancelled", timeout=30)  # the running sleep stopped
    logged_in.screenshot("cancelled")
    execution.refresh_from_db()
    assert execution.status == "cancelled"


def test_e_graph_svg_opens_from_the_admin_session(logged_in, make_flow):
    make_flow("steps", STEPS)
    logged_in.get("/api/v1/workflows/demo.steps/graph.svg")
    svg = logged_in.wait_css("svg")
    logged_in.screenshot("graph")
    assert "first" in svg.get_attribute("outerHTML")


def test_f_a_yaml_error_shows_its_line_and_column_then_the_fix_saves(logged_in, make_flow):
    workflow = make_flow("steps", STEPS)
    logged_in.get(f"/admin/workflows/workflow/{workflow.pk}/change/")
    editor = logged_in.wait_css("textarea[name=definition]")
    assert logged_in.find(".field-definition .attune-code-gutter").text.startswith("1\n2\n3")  # line numbers
    editor.clear()
    editor.send_keys("version: 1.0.0\ntasks:\n  - name: first\n    action: [demo.noop\n")
    logged_in.find("input[name=_continue]").click()
    error = logged_in.wait_css(".field-definition .errorlist")
    logged_in.driver.execute_script("arguments[0].scrollIntoView()", error)
    logged_in.screenshot("yaml-error")
    assert "Not valid YAML or JSON: line 5, column 1" in error.text, error.text
    assert (
        logged_in.find(".field-definition .attune-code-error-line").text == "5"
    )  # the gutter marks the line
    editor = logged_in.find("textarea[name=definition]")
    assert "action: [demo.noop" in editor.get_attribute("value")  # shown again as typed
    editor.clear()
    editor.send_keys("version: 1.0.0\ntasks:\n  - name: only\n    action: demo.noop\n")
    logged_in.find("input[name=_continue]").click()
    logged_in.wait_css(".messagelist .success")
    logged_in.screenshot("saved")
    workflow.refresh_from_db()
    assert [task["name"] for task in workflow.definition["tasks"]] == ["only"]


def test_g_sync_from_disk_shows_a_preview_then_applies_on_confirm(logged_in, demo, settings, tmp_path):
    settings.ATTUNE_PACKS_DIR = tmp_path  # the live server runs in this process: it sees the setting
    pack = Pack.objects.get(ref="demo")
    source = tmp_path / "demo"
    (source / "workflows").mkdir(parents=True)
    (source / "pack.yaml").write_text("ref: demo\nlabel: Demo\nversion: 1.0.0\n")
    (source / "workflows" / "synced.yaml").write_text(
        "label: Synced\nversion: 1.0.0\ntasks:\n  - {name: only, action: core.noop}\n"
    )
    pack.source_dir = str(source)
    pack.save()
    logged_in.get("/admin/packs/pack/")
    logged_in.wait_css(f"input[name=_selected_action][value='{pack.pk}']").click()
    Select(logged_in.find("select[name=action]")).select_by_value("sync_from_disk")
    logged_in.find("button[name=index]").click()
    plan = logged_in.wait_css("#sync-plan")
    logged_in.screenshot("preview")
    assert "create workflow demo.synced" in plan.text
    assert not Workflow.objects.filter(ref="demo.synced").exists()  # a preview changes nothing
    logged_in.find("#sync-confirm input[name=confirm]").click()
    success = logged_in.wait_css(".messagelist .success")
    logged_in.screenshot("synced")
    assert success.text.startswith("demo: synced.") and "create workflow demo.synced" in success.text
    assert Workflow.objects.filter(ref="demo.synced").exists()
