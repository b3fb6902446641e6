"""The complete examples of docs/workflow-language.md run end to end, read from the page
itself (the yaml block under each `### N.` heading of "Complete examples"), so the doc
and this test cannot drift. Their services are the fake HTTP server (fake_http.py)."""

import re
from pathlib import Path

import yaml
from django.conf import settings

from executions.models import Status

from .conftest import task_runs
from .examples_support import slack_ok, slack_posts

PAGE = Path(settings.BASE_DIR) / "docs" / "workflow-language.md"


def complete_examples() -> dict[str, dict]:
    """Heading number -> definition, for every yaml block of the "Complete examples" section."""
    text = PAGE.read_text()
    section = text[text.index("\n## Complete examples\n") :]
    section = section[: section.index("\n## ", 1)]
    found = re.findall(r"^### (\d+)\. .*?\n```yaml\n(.*?)```", section, re.DOTALL | re.MULTILINE)
    return {number: yaml.safe_load(body) for number, body in found}


def start_example(number, flow, run_flow, parameters):
    definition = complete_examples()[number]
    flow(definition, name=f"example_{number}", param_schema=definition.get("parameters"))
    return run_flow(f"demo.example_{number}", parameters)


def tasks(execution) -> list[tuple]:
    return [(task, status) for task, _, _, _, status in task_runs(execution)]


def test_the_page_has_the_three_complete_examples():
    assert sorted(complete_examples()) == ["1", "2", "3"]


def test_example_1_polls_until_healthy(example_packs, make_pack, flow, run_flow):
    fake = example_packs
    make_pack("demo", config={"ops_api_url": f"{fake.url}/ops"})
    slack_ok(fake)
    fake.answer_in_turn("GET", "/health", (503, {"status": "starting"}), (200, {"status": "ok"}))
    port = int(fake.url.rsplit(":", 1)[1])
    parameters = {"host": "127.0.0.1", "port": port, "service": "api", "pause_seconds": 0}
    execution = start_example("1", flow, run_flow, parameters)
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"healthy": True, "checks": 2, "succeeded": True}
    assert tasks(execution) == [
        ("restart", "completed"),
        ("check", "failed"),
        ("pause", "completed"),
        ("check", "completed"),
        ("report", "completed"),
    ]
    assert fake.calls()[:3] == [
        ("POST", "/ops/hosts/127.0.0.1/services/api/restart", {"requested_by": "attune"}),
        ("GET", "/health", None),
        ("GET", "/health", None),
    ]
    assert slack_posts(fake) == [("#ops", "api on 127.0.0.1: healthy after 2 check(s)")]


def test_example_1_gives_up_after_max_checks(example_packs, make_pack, flow, run_flow):
    fake = example_packs
    make_pack("demo", config={"ops_api_url": f"{fake.url}/ops"})
    slack_ok(fake)
    fake.answer("GET", "/health", {"status": "down"}, status=503)
    port = int(fake.url.rsplit(":", 1)[1])
    parameters = {"host": "127.0.0.1", "port": port, "service": "api", "pause_seconds": 0, "max_checks": 3}
    execution = start_example("1", flow, run_flow, parameters)
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"healthy": False, "checks": 3, "succeeded": True}
    assert [task for task, _ in tasks(execution)].count("check") == 3
    assert slack_posts(fake) == [("#ops", "api on 127.0.0.1: NOT healthy after 3 check(s)")]


def test_example_2_fans_out_joins_and_announces_the_decision(example_packs, make_pack, flow, run_flow):
    fake = example_packs
    make_pack("demo", config={"approvals_api_url": f"{fake.url}/approvals", "api_token": "t0k"})
    slack_ok(fake)
    fake.answer("POST", "/approvals/requests", {"id": "REQ-7"}, status=201)
    fake.answer("GET", "/approvals/requests/REQ-7", {"status": "approved", "decided_by": "U0CM1"})
    parameters = {"title": "Open port 22", "approvers": ["U0CM1", "U0CM2"], "timeout_minutes": 5}
    execution = start_example("2", flow, run_flow, parameters)
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "request_id": "REQ-7",
        "decision": "approved",
        "decided_by": "U0CM1",
        "succeeded": True,
    }
    assert sorted(tasks(execution)) == [
        ("announce", "completed"),
        ("create_request", "completed"),
        ("notify_approvers", "completed"),
        ("notify_approvers", "completed"),
        ("post_to_channel", "completed"),
        ("wait_for_decision", "completed"),
    ]
    created = fake.requests[0]
    assert (created.method, created.path, created.headers["Authorization"]) == (
        "POST",
        "/approvals/requests",
        "Bearer t0k",
    )
    # Type preservation: the list stays a list and the product a number.
    assert created.body == {
        "title": "Open port 22",
        "approvers": ["U0CM1", "U0CM2"],
        "expires_in_seconds": 300,
    }
    assert ("GET", "/approvals/requests/REQ-7", None) in fake.calls()
    posts = slack_posts(fake)
    assert sorted(posts[:3]) == [
        ("#approvals", "Approval requested from U0CM1, U0CM2: Open port 22"),
        ("U0CM1", "Approval 1/2 requested: Open port 22 (REQ-7)"),
        ("U0CM2", "Approval 2/2 requested: Open port 22 (REQ-7)"),
    ]
    assert posts[3] == ("#approvals", "Open port 22: APPROVED by U0CM1")


def test_example_3_extracts_transforms_checks_loads_and_refreshes(
    example_packs, make_pack, flow, run_flow, standin
):
    fake = example_packs
    make_pack("demo", config={"staging_bucket": "acme-staging", "alert_channel": "#data-alerts"})
    for ref in ("extract_orders", "transform_orders", "refresh_dimensions", "refresh_views"):
        standin(f"data_pipeline.{ref}", {"ok": True})
    standin("data_pipeline.validate_dataset", {"passed": True, "failures": [], "rows": 120})
    standin("data_pipeline.load_warehouse", {"rows_written": 120})
    execution = start_example("3", flow, run_flow, {"date": "2026-11-30"})
    assert execution.status == Status.COMPLETED, execution.result
    result = execution.result
    assert (result["status"], result["rows_loaded"], result["succeeded"]) == ("loaded", 120, True)
    assert result["quality_report"]["data"] == {"passed": True, "failures": [], "rows": 120}
    assert sorted(tasks(execution)) == sorted(
        [("extract", "completed")] * 3
        + [("normalise_orders", "completed"), ("refresh_dimensions", "completed")]
        + [("quality_check", "completed"), ("load", "completed")]
        + [("refresh_views", "completed")] * 2
    )
    extract = sorted(r.body["destination"] for r in fake.requests if r.path.endswith("/extract_orders"))
    assert extract == [f"s3://acme-staging/raw/2026-11-30/{region}/" for region in ("amer", "apac", "emea")]
    [load] = [r.body for r in fake.requests if r.path.endswith("/load_warehouse")]
    assert load == {"source": "s3://acme-staging/clean/2026-11-30/", "checked_rows": 120}
    views = sorted(
        (r.body["batch"], r.body["views"]) for r in fake.requests if r.path.endswith("/refresh_views")
    )
    assert views == [(0, ["mv_by_region", "mv_by_product"]), (1, ["mv_revenue"])]
    assert slack_posts(fake) == []  # alert runs only when a step fails
