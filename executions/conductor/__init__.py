"""The pure conductor: a workflow execution's decisions, with no ORM, clock or I/O.

`start(definition, context)` and `advance(definition, state, event, context)` return a Step
(runs to start, runs to cancel, inquiry waits, with_items results to collect, events, a
timer, and `finished` once the workflow ends). A `collect` is answered by the caller with a
ResultsCollected event, in the same transaction. `state` is JSON, saved as WorkflowExecution.state:

    {"variables": {...},                      # workflow.* / vars.* / variables.*
     "tasks": {name: {"status": pending|waiting_join|waiting_inquiry|running|collecting|
                                succeeded|failed|timed_out|skipped|cancelled|not_run|None,
                      "activation": n (latest, 1-based), "attempts": max attempt,
                      "result": latest result, "arrivals": [{task, activation}] (join),
                      "triggered_by": [...], "fired": [positions of the `next` entries
                      its latest finished activation took], "ancestors_of_run": {activation: ["t#n"]}
                      (only tasks on a cycle), "inquiry_id": ...,
                      "exhausted": true once over ATTUNE_MAX_TASK_ACTIVATIONS,
                      "items": {iterated, total, inputs, timeouts, attempts, statuses,
                                results (not iterated: [result]; iterated: None, the
                                results are collected from the runs at the end), replaced
                                (iterated: {index: result} the conductor replaced),
                                queue, in_flight} while the activation runs,
                               {iterated, total, attempts, statuses} once it finished
                               | None}},
     "runs": {"task|activation|item|attempt": {"delay": s}},   # runs not yet finished
     "runs_started": n, "inquiries": {task: {...}}, "unhandled": [names],
     "cancelling": policy|None, "failing": message|None, "finished": {status, result}|None}
"""

from .core import advance, start
from .types import (
    CancelRequested,
    CollectSpec,
    Context,
    Finished,
    InquiryResolved,
    ResultsCollected,
    RunFinished,
    RunKey,
    RunSpec,
    Step,
    Tick,
    WaitSpec,
)

__all__ = [
    "CancelRequested",
    "CollectSpec",
    "Context",
    "Finished",
    "InquiryResolved",
    "ResultsCollected",
    "RunFinished",
    "RunKey",
    "RunSpec",
    "Step",
    "Tick",
    "WaitSpec",
    "advance",
    "start",
    "task_view",
    "variables",
]


def variables(state: dict) -> dict:
    return dict(state.get("variables") or {})


def task_view(definition: dict, state: dict) -> list[dict]:
    """Per task, for GET /executions/{id}/tasks, in definition order (nested after groups)."""
    from .graph import graph_of

    graph = graph_of(definition)
    view = []
    for name in graph.tasks:
        task = state.get("tasks", {}).get(name) or {}
        items = task.get("items") or {}
        statuses = items.get("statuses") or []
        view.append(
            {
                "name": name,
                "status": task.get("status") or "pending",
                "activations": task.get("activation", 0),
                "attempts": task.get("attempts", 0),
                "items": {
                    "total": items.get("total", 0),
                    "finished": sum(1 for s in statuses if s is not None),
                    "succeeded": sum(1 for s in statuses if s == "succeeded"),
                    "failed": sum(1 for s in statuses if s in ("failed", "timed_out", "cancelled")),
                },
                "result": task.get("result"),
                "parent_group": graph.parent.get(name),
                "fired": list(task.get("fired") or []),
            }
        )
    return view
