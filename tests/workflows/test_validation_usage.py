"""Keys that would mean nothing, conditions that are not templates, and similar slips."""

import pytest

from workflows.validation import check_definition


def task(**extra):
    return {"name": "a", "action": "core.echo", **extra}


def found(*tasks, **top) -> set[tuple[str, str]]:
    report = check_definition({"version": "1.0.0", "tasks": list(tasks), **top})
    return {(d.code, d.path) for d in report.diagnostics}


@pytest.mark.parametrize(
    "bad, good, code, path",
    [
        (
            task(batch_size=2),
            task(batch_size=2, with_items="{{ [1, 2] }}"),
            "W117-needs-with-items",
            "/tasks/0/batch_size",
        ),
        (
            task(concurrency=2),
            task(concurrency=2, with_items="{{ [1, 2] }}"),
            "W117-needs-with-items",
            "/tasks/0/concurrency",
        ),
        (
            {"name": "a", "type": "parallel", "input": {}, "tasks": [task(name="b")]},
            {"name": "a", "type": "parallel", "tasks": [task(name="b", input={})]},
            "W118-not-for-parallel",
            "/tasks/0/input",
        ),
        (
            task(retry={"count": 2, "delay": 10, "max_delay": 5}),
            task(retry={"count": 2, "delay": 10, "max_delay": 50}),
            "W113-retry-max-delay",
            "/tasks/0/retry/max_delay",
        ),
        (task(when="x == 1"), task(when="{{ 1 == 1 }}"), "W115-condition-not-a-template", "/tasks/0/when"),
        (
            task(next=[{"when": "succeeded()"}]),
            task(next=[{"when": "{{ succeeded() }}"}]),
            "W115-condition-not-a-template",
            "/tasks/0/next/0/when",
        ),
        (
            task(retry={"count": 2, "on_error": "result().status == 503"}),
            task(retry={"count": 2, "on_error": "{{ result().status == 503 }}"}),
            "W115-condition-not-a-template",
            "/tasks/0/retry/on_error",
        ),
        (task(timeout="soon"), task(timeout="{{ 30 }}"), "W116-timeout-not-a-number", "/tasks/0/timeout"),
        (
            task(tasks=[task(name="b")]),
            {"name": "a", "type": "parallel", "tasks": [task(name="b")]},
            "W119-tasks-need-parallel",
            "/tasks/0/tasks",
        ),
    ],
)
def test_slips_are_errors_with_their_path(bad, good, code, path):
    assert (code, path) in found(bad)
    assert not {c for c, _ in found(good)} & {code}


def test_join_counts_distinct_tasks_not_transitions():
    first = task(
        name="first",
        next=[{"when": "{{ succeeded() }}", "do": ["last"]}, {"when": "{{ failed() }}", "do": ["last"]}],
    )
    assert ("W108-join-too-large", "/tasks/1/join") in found(first, task(name="last", join=2))
    assert ("W108-join-too-large", "/tasks/1/join") not in found(first, task(name="last", join=1))


def test_a_documents_own_parameters_are_checked_when_no_schema_is_given():
    uses_host = task(input={"host": "{{ parameters.host }}"})
    assert ("W303-undeclared-parameter", "/tasks/0/input/host") in found(
        uses_host, parameters={"port": {"type": "integer"}}
    )
    assert not found(uses_host, parameters={"host": {"type": "string"}})


def test_a_chain_as_long_as_the_task_limit_is_checked_without_recursion_errors():
    # A recursive cycle search once overflowed Python's stack on a 1,000-task chain.
    chain = [task(name=f"t{i}", next=[{"do": [f"t{i + 1}"]}]) for i in range(999)] + [task(name="t999")]
    report = check_definition({"version": "1.0.0", "tasks": chain})
    assert report.diagnostics == []
    assert report.definition["tasks"][-1]["name"] == "t999"
