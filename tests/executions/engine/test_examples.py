"""Every workflow of every example pack runs end to end through the engine, its external
services replaced by a local HTTP server (fake_http.py); no test reaches the network.

Each scenario below runs one example workflow and asserts its status, its result, its task
runs and what the services received. `test_every_example_workflow_has_a_scenario` fails when
a new example workflow has none.
"""

import pytest

from executions.models import Status
from packs.ondisk.loader import read_pack

from . import examples_data_pipeline, test_examples_approvals
from .conftest import task_runs
from .examples_support import EXAMPLES, slack_ok, slack_posts

SCENARIOS = {}


def scenario(ref):
    """Register a scenario for the example workflow `ref`."""

    def register(function):
        SCENARIOS[function.__name__] = (ref, function)
        return function

    return register


def runs(execution) -> list[tuple]:
    """(task, status) of each task run, in creation order."""
    return [(task, status) for task, _, _, _, status in task_runs(execution)]


@scenario("hello.greetings")
def greetings_in_three_languages(run_flow, fake, stand_in):
    execution = run_flow("hello.greetings", {"name": "Ada"})
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "greetings": ["Hello, Ada!", "Bonjour, Ada!", "Hallo, Ada!"],
        "succeeded": True,
    }
    assert runs(execution) == [
        ("english", "completed"),
        ("french", "completed"),
        ("german", "completed"),
        ("summary", "completed"),
    ]
    assert execution.children.get(task_name="summary").result["stdout"] == (
        "Hello, Ada! / Bonjour, Ada! / Hallo, Ada!"
    )
    assert fake.requests == []


@scenario("hello.greet_or_fail")
def greet_or_fail_greets(run_flow, fake, stand_in):
    execution = run_flow("hello.greet_or_fail", {"name": "Ada"})
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"succeeded": True}
    assert runs(execution) == [("choose", "completed"), ("greet", "completed"), ("done", "completed")]
    assert execution.children.get(task_name="greet").result["data"]["greeting"] == "Hello, Ada!"
    assert execution.children.get(task_name="done").result["stdout"] == "greeted Ada"
    assert fake.requests == []


@scenario("hello.greet_or_fail")
def greet_or_fail_takes_its_failure_branch(run_flow, fake, stand_in):
    execution = run_flow("hello.greet_or_fail", {"fail": True})
    # The failure is handled by a transition, so the workflow itself succeeds.
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {"succeeded": True}
    assert runs(execution) == [
        ("choose", "completed"),
        ("break_on_purpose", "failed"),
        ("report_failure", "completed"),
    ]
    assert (
        execution.children.get(task_name="break_on_purpose").result["error"] == "failed because fail was true"
    )
    assert fake.requests == []


INCIDENT = {"id": "INC-42", "number": 42, "html_url": "https://incidents.example/INC-42"}


@scenario("slack.incident_response")
def incident_response_opens_pages_and_sets_up_a_war_room(run_flow, fake, stand_in):
    slack_ok(fake)
    fake.answer("POST", "/slack/incidents", INCIDENT, status=201)
    stand_in("pagerduty.trigger_incident", {"incident_key": "INC-42"})
    stand_in("slack.create_channel", {"ok": True, "channel": {"id": "CWAR42"}})
    stand_in("slack.invite_user", {"ok": True})
    parameters = {
        "service": "Checkout",
        "summary": "5xx on /pay",
        "severity": "sev1",
        "oncall_schedule": "PSCHED1",
        "responders": ["U1", "U2"],
    }
    execution = run_flow("slack.incident_response", parameters)
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "incident_id": "INC-42",
        "incident_url": "https://incidents.example/INC-42",
        "war_room": "CWAR42",
        "paged": True,
        "succeeded": True,
    }
    assert runs(execution) == [
        ("announce", "completed"),
        ("open_incident", "completed"),
        ("page_oncall", "completed"),
        ("create_war_room", "completed"),
        ("invite_responders", "completed"),
        ("invite_responders", "completed"),
        ("post_status", "completed"),
        ("link_war_room", "completed"),
    ]
    opened, page, war_room, *invites, patched = [
        call for call in fake.calls() if "chat.postMessage" not in call[1]
    ]
    assert opened == (
        "POST",
        "/slack/incidents",
        {"title": "Checkout: 5xx on /pay", "severity": "sev1", "service": "Checkout", "source": "attune"},
    )
    assert page[1] == "/standin/pagerduty/trigger_incident"
    assert page[2] == {
        "schedule_id": "PSCHED1",
        "summary": "[sev1] Checkout: 5xx on /pay",
        "urgency": "high",
        "dedup_key": "INC-42",
        "links": ["https://incidents.example/INC-42"],
    }
    assert war_room[2] == {
        "name": "inc-42-checkout",
        "topic": "SEV1 5xx on /pay | https://incidents.example/INC-42",
        "is_private": False,
    }
    assert sorted(invite[2]["user"] for invite in invites) == ["U1", "U2"]
    assert patched == ("PATCH", "/slack/incidents/INC-42", {"slack_channel": "CWAR42"})
    posts = slack_posts(fake)
    assert posts[0] == ("#incidents", ":rotating_light: SEV1 on Checkout: 5xx on /pay")
    assert posts[1][0] == "CWAR42" and "On-call paged: yes." in posts[1][1]
    assert fake.requests[0].headers["Authorization"] == "Bearer xoxb-test"


@scenario("slack.resolve_incident")
def resolve_incident_closes_attaches_and_archives(run_flow, fake, stand_in):
    slack_ok(fake)
    stand_in("slack.export_history", {"url": "https://files.example/war-room.md"})
    stand_in("slack.archive_channel", {"ok": True})
    parameters = {"incident_id": "INC-42", "war_room": "CWAR42", "resolution": "Rolled back v2.3"}
    execution = run_flow("slack.resolve_incident", parameters)
    assert execution.status == Status.COMPLETED, execution.result
    assert execution.result == {
        "resolved": True,
        "timeline_url": "https://files.example/war-room.md",
        "succeeded": True,
    }
    assert sorted(runs(execution)) == [
        ("announce_resolution", "completed"),
        ("archive_war_room", "completed"),
        ("attach_timeline", "completed"),
        ("close_incident", "completed"),
        ("export_timeline", "completed"),
        ("post_resolution", "completed"),
    ]
    services = [call for call in fake.calls() if "chat.postMessage" not in call[1]]
    assert services == [
        ("PATCH", "/slack/incidents/INC-42", {"status": "resolved", "resolution": "Rolled back v2.3"}),
        ("POST", "/standin/slack/export_history", {"channel": "CWAR42", "format": "markdown"}),
        (
            "POST",
            "/slack/incidents/INC-42/attachments",
            {"title": "War-room history", "url": "https://files.example/war-room.md"},
        ),
        ("POST", "/standin/slack/archive_channel", {"channel": "CWAR42"}),
    ]
    assert sorted(slack_posts(fake)) == [
        ("#incidents", "Resolved INC-42: Rolled back v2.3 (war room <#CWAR42>)"),
        ("CWAR42", ":white_check_mark: Incident INC-42 is resolved: Rolled back v2.3"),
    ]


ALL_SCENARIOS = {**SCENARIOS, **examples_data_pipeline.SCENARIOS}


def example_workflow_refs() -> set[str]:
    return {
        workflow.ref
        for path in EXAMPLES.iterdir()
        if (path / "pack.yaml").is_file()
        for workflow in read_pack(path).workflows
    }


def test_every_example_workflow_has_a_scenario():
    covered = {ref for ref, _ in ALL_SCENARIOS.values()} | test_examples_approvals.COVERED_REFS
    assert covered == example_workflow_refs()


@pytest.mark.parametrize("name", sorted(ALL_SCENARIOS))
def test_example_workflow_runs_end_to_end(name, example_packs, run_flow, standin):
    _, run_scenario = ALL_SCENARIOS[name]
    run_scenario(run_flow, example_packs, standin)
