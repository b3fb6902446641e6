"""What the engine's hot path costs in SQL statements, pinned (bench/engine.py measures time).

Runs are finished here as a worker would (claim, finish), outside the count; only the
engine's own advance steps are counted. Transaction control (SAVEPOINT/RELEASE in a test,
BEGIN/COMMIT in production) is left out: it depends on the caller, not on the engine.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from executions import lifecycle, service
from executions.models import Execution, Status
from executions.orchestration import advance

ITEMS = """
tasks:
  - name: each
    action: core.noop
    with_items: "{{ range(30) | list }}"
    concurrency: 10
"""

CHAIN = """
tasks:
  - {name: one, action: core.noop, next: [{do: [two]}]}
  - {name: two, action: core.noop, next: [{do: [three]}]}
  - {name: three, action: core.noop}
"""


def engine_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def finish_one_run(execution) -> Execution:
    run = Execution.objects.filter(parent=execution, status=Status.SCHEDULED).order_by("id").first()
    claimed = lifecycle.claim(run.id, "worker-a")
    assert lifecycle.finish(run.id, "worker-a", Status.COMPLETED, {"succeeded": True}, run=claimed)
    return run


def advance_counted(execution) -> int:
    with CaptureQueriesContext(connection) as queries:
        advance(execution.id)
    return len(engine_statements(queries.captured_queries))


def start(flow, make_user, definition, django_capture_on_commit_callbacks):
    flow(definition)
    with django_capture_on_commit_callbacks():  # nothing is dispatched: the test is the worker
        return service.start_by_ref("demo.flow", {}, executor=make_user("runner", superuser=True))


def test_with_items_costs_at_most_eight_statements_per_item(
    flow, make_user, django_capture_on_commit_callbacks
):
    execution = start(flow, make_user, ITEMS, django_capture_on_commit_callbacks)
    per_item = []
    with django_capture_on_commit_callbacks():
        while Execution.objects.filter(parent=execution, status=Status.SCHEDULED).exists():
            finish_one_run(execution)
            per_item.append(advance_counted(execution))
    execution.refresh_from_db()
    assert execution.status == Status.COMPLETED, execution.result
    assert len(per_item) == 30
    # An item whose end starts the next one (20 of them): the workflow row locked, the next
    # finished run, the run marked advanced, the action, the new run, its status event, the
    # state saved. An item that starts nothing saves three of those; the last one also ends
    # the workflow (its task event, the workflow's status and status event, inquiries).
    assert per_item[:20] == [7] * 20
    assert sum(per_item) / len(per_item) <= 8


def test_a_chain_step_costs_seven_statements(flow, make_user, django_capture_on_commit_callbacks):
    execution = start(flow, make_user, CHAIN, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks():
        finish_one_run(execution)
        # The lock, the next finished run, marking it advanced, the action, the new run, the
        # step's events (the task's end and the new run's status, one INSERT), the state saved.
        assert advance_counted(execution) == 7
