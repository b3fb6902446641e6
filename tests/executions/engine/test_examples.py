"""Every workflow of every example pack runs end to end through the engine, its external
services replaced by a local HTTP server (fake_http.py); no test reaches the network."""

from executions.models import Status
from workflows.models import Workflow

from .conftest import task_runs
from .examples_support import example_packs, fake_http  # noqa: F401


def runs(execution) -> list[tuple]:
    """(task, status) of each task run, in creation order."""
    return [(task, status) for task, _, _, _, status in task_runs(execution)]


def test_hello_greetings_greets_in_three_languages(example_packs, run_flow):  # noqa: F811
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
    assert example_packs.requests == []
