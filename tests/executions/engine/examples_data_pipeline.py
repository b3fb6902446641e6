"""Scenarios for examples/packs/data_pipeline, run by test_examples.py (not a test module itself).

The pipeline's steps (extract_orders, load_warehouse, ...) are actions the pack leaves to
the user (its README), so they are stand-ins answering what a test chooses; the order
service's export API is the fake HTTP server.
"""

from executions.models import Status

from .conftest import task_runs
from .examples_support import slack_ok, slack_posts

SCENARIOS = {}
STEPS = {
    "data_pipeline.extract_orders": {"rows": 40},
    "data_pipeline.transform_orders": {"rows": 38},
    "data_pipeline.refresh_dimensions": {"tables": 3},
    "data_pipeline.load_warehouse": {"rows_written": 38},
    "data_pipeline.refresh_views": {"refreshed": True},
    "data_pipeline.snapshot_table": {"snapshot_name": "sales_daily_before_backfill"},
    "data_pipeline.acquire_lock": {"lock_id": "lock-7"},
    "data_pipeline.release_lock": {"released": True},
}
PASSED = {"passed": True, "failures": [], "rows": 38}


def scenario(function):
    ref = "data_pipeline.backfill" if "backfill" in function.__name__ else "data_pipeline.daily_sales"
    SCENARIOS[function.__name__] = (ref, function)
    return function


def pipeline_steps(fake, stand_in, quality=PASSED):
    slack_ok(fake)
    for ref, answer in STEPS.items():
        stand_in(ref, answer)
    stand_in("data_pipeline.validate_dataset", quality)


def tasks(execution) -> list[tuple]:
    """Sorted (task, status) of the task runs: parallel branches finish in any order."""
    return sorted((task, status) for task, _, _, _, status in task_runs(execution))


def sent_to(fake, ref) -> list:
    pack, name = ref.split(".")
    return [r.body for r in fake.requests if r.path == f"/standin/{pack}/{name}"]


@scenario
def daily_sales_extracts_checks_loads_and_reports(run_flow, fake, stand_in):
    pipeline_steps(fake, stand_in)
    fake.answer("GET", "/data_pipeline/exports/2026-11-30", {"ready": True})
    execution = run_flow("data_pipeline.daily_sales", {"date": "2026-11-30", "regions": ["emea", "amer"]})
    assert execution.status == Status.COMPLETED, execution.result
    result = execution.result
    assert (result["status"], result["rows_loaded"], result["succeeded"]) == ("loaded", 38, True)
    # A bare publish keeps the whole result object: the action's data and its keys on top.
    assert result["quality_report"]["data"] == PASSED and result["quality_report"]["passed"] is True
    assert tasks(execution) == sorted(
        [
            ("check_source", "completed"),
            ("extract", "completed"),
            ("extract", "completed"),
            ("normalise_orders", "completed"),
            ("refresh_dimensions", "completed"),
            ("quality_check", "completed"),
            ("load", "completed"),
            ("refresh_views", "completed"),
            ("refresh_views", "completed"),
            ("report", "completed"),
        ]
    )
    assert fake.paths()[0] == ("GET", "/data_pipeline/exports/2026-11-30")
    assert sorted(body["region"] for body in sent_to(fake, "data_pipeline.extract_orders")) == [
        "amer",
        "emea",
    ]
    assert sent_to(fake, "data_pipeline.extract_orders")[0]["page_size"] == 5000
    [load] = sent_to(fake, "data_pipeline.load_warehouse")
    assert (load["table"], load["mode"], load["key"], load["partition"]) == (
        "sales_daily",
        "merge",
        ["order_id"],
        "2026-11-30",
    )
    views = sorted(body["views"] for body in sent_to(fake, "data_pipeline.refresh_views"))
    assert views == [["mv_daily_revenue"], ["mv_sales_by_region", "mv_sales_by_product"]]
    assert slack_posts(fake) == [
        ("#data", "Sales 2026-11-30 (emea, amer): loaded, 38 rows merged into sales_daily.")
    ]


@scenario
def daily_sales_alerts_when_the_quality_checks_fail(run_flow, fake, stand_in):
    pipeline_steps(
        fake, stand_in, quality={"passed": False, "failures": ["12 duplicate order_id"], "rows": 40}
    )
    fake.answer("GET", "/data_pipeline/exports/2026-11-30", {"ready": True})
    execution = run_flow("data_pipeline.daily_sales", {"date": "2026-11-30", "regions": ["emea"]})
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result["status"] == "failed" and execution.result["rows_loaded"] == 0
    assert ("alert", "completed") in tasks(execution)
    assert not sent_to(fake, "data_pipeline.load_warehouse")
    assert slack_posts(fake) == [
        (
            "#data-alerts",
            ":red_circle: Daily sales 2026-11-30 stopped: quality checks failed: 12 duplicate order_id.",
        )
    ]


@scenario
def backfill_snapshots_locks_replays_each_day_and_releases(run_flow, fake, stand_in):
    pipeline_steps(fake, stand_in)
    days = ["2026-11-29", "2026-11-30"]
    for day in days:
        fake.answer("GET", f"/data_pipeline/exports/{day}", {"ready": True})
    fake.answer("POST", "/data_pipeline/exports/availability", {"missing": []})
    execution = run_flow("data_pipeline.backfill", {"dates": days, "regions": ["emea"]})
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "status": "finished",
        "snapshot": "sales_daily_before_backfill",
        "succeeded": True,
    }
    assert tasks(execution) == sorted(
        [
            ("announce_start", "completed"),
            ("snapshot_table", "completed"),
            ("acquire_lock", "completed"),
            ("preflight", "completed"),
            ("run_days", "completed"),
            ("run_days", "completed"),
            ("release_lock", "completed"),
            ("report", "completed"),
        ]
    )
    nested = [run.result for run in execution.children.filter(task_name="run_days")]  # the nested workflows
    assert [result["status"] for result in nested] == ["loaded", "loaded"]
    assert (
        "POST",
        "/data_pipeline/exports/availability",
        {"dates": days, "regions": ["emea"]},
    ) in fake.calls()
    assert sent_to(fake, "data_pipeline.acquire_lock") == [
        {"name": "load:sales_daily", "owner": "backfill", "ttl_seconds": 21600}
    ]
    assert sent_to(fake, "data_pipeline.release_lock") == [{"lock_id": "lock-7"}]
    assert sorted(body["partition"] for body in sent_to(fake, "data_pipeline.load_warehouse")) == days
    # report_channel "" skips each day's report: one summary at the end instead.
    assert [channel for channel, _ in slack_posts(fake)] == ["#data", "#data"]
    assert slack_posts(fake)[1][1].startswith("Backfill into sales_daily: finished. Snapshot taken")


@scenario
def backfill_aborts_when_a_day_has_no_export_and_still_releases_the_lock(run_flow, fake, stand_in):
    pipeline_steps(fake, stand_in)
    fake.answer("POST", "/data_pipeline/exports/availability", {"missing": ["2026-11-29"]})
    execution = run_flow("data_pipeline.backfill", {"dates": ["2026-11-29"]})
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result["status"] == "aborted: no source export for 2026-11-29"
    assert "run_days" not in {task for task, _ in tasks(execution)}
    assert sent_to(fake, "data_pipeline.release_lock") == [{"lock_id": "lock-7"}]
