"""The advance loop: start tasks, feed finished runs, fire transitions, finish the workflow.

All work inside one advance is done through an explicit queue (`Work`), never by recursion,
so a long cascade of skipped tasks is bounded by ATTUNE_MAX_INLINE_STEPS instead of the
Python stack.
"""

import copy
from collections import deque
from typing import Any

from executions.rendering import RenderError, render, render_condition
from workflows.validation.language import INQUIRY_FIELDS

from .finish import check_completion, fail_workflow
from .graph import graph_of
from .items import results_collected, run_finished, start_items
from .limits import limit, variables_problem
from .names import base_names, transition_names
from .types import (
    CancelRequested,
    Context,
    InquiryResolved,
    ResultsCollected,
    RunFinished,
    Step,
    Tick,
    WaitSpec,
)


class Work:
    """One advance's mutable view: the state, the Step being built and the pending work."""

    def __init__(self, definition: dict, state: dict, context: Context):
        self.definition = definition
        self.graph = graph_of(definition)
        self.state = state
        self.context = context
        self.step = Step(state=state)
        self.queue: deque = deque()
        self.inline = 0

    def task(self, name: str) -> dict:
        return self.state["tasks"].setdefault(name, new_task())


def new_task() -> dict:
    return {"status": None, "activation": 0, "attempts": 0, "result": None, "arrivals": [], "ancestors": []}


def start(definition: dict, context: Context) -> Step:
    state = {
        "variables": copy.deepcopy(definition.get("vars") or {}),
        "tasks": {},
        "runs": {},
        "runs_started": 0,
        "inquiries": {},
        "unhandled": [],
        "cancelling": None,
        "failing": None,
        "finished": None,
    }
    work = Work(definition, state, context)
    for name in work.graph.entry.get(None, []):
        work.queue.append(("activate", name, []))
    return drain(work)


def advance(definition: dict, state: dict, event: Any, context: Context, *, own_state: bool = False) -> Step:
    """The Step for one event. `state` is left untouched unless `own_state` says the caller
    hands it over (persistence does: it decoded it from the row for this step alone, and a
    deep copy of a large state costs more than the rest of the step)."""
    if not own_state:
        state = copy.deepcopy(state)
    work = Work(definition, state, context)
    if state.get("finished"):
        return work.step
    if isinstance(event, RunFinished):
        run_finished(work, event)
    elif isinstance(event, InquiryResolved):
        inquiry_resolved(work, event)
    elif isinstance(event, ResultsCollected):
        results_collected(work, event)
    elif isinstance(event, CancelRequested):
        cancel(work, event.policy)
    elif isinstance(event, Tick):
        pass
    return drain(work)


def drain(work: Work) -> Step:
    steps = limit(work.context, "ATTUNE_MAX_INLINE_STEPS")
    while work.queue:
        work.inline += 1
        if work.inline > steps:
            work.queue.clear()
            fail_workflow(work, f"more than ATTUNE_MAX_INLINE_STEPS ({steps}) steps in one advance")
            break
        kind, name, payload = work.queue.popleft()
        if kind == "activate":
            activate(work, name, payload)
        elif kind == "finish":
            finish_task(work, name)
    check_completion(work)
    return work.step


def activate(work: Work, name: str, triggered_by: list) -> None:
    """Start a new activation of `name` (S5): guard, then its runs, group or inquiry wait."""
    if work.state["cancelling"] or work.state["failing"]:
        return
    task = work.task(name)
    activations = limit(work.context, "ATTUNE_MAX_TASK_ACTIVATIONS")
    if task["activation"] >= activations:
        # B16: the task fails (its failure transitions run); it is then exhausted, so no
        # later trigger starts it and a `do` naming only it does not handle the failure.
        task["exhausted"] = True
        message = f"task '{name}' would start more than ATTUNE_MAX_TASK_ACTIVATIONS ({activations}) times"
        return fail_task(work, name, message)
    definition = work.graph.tasks[name]
    task.update(
        activation=task["activation"] + 1, attempts=0, arrivals=[], result=None, items=None, status="running"
    )
    task["triggered_by"] = triggered_by
    if name in work.graph.cyclic:
        ancestors = {f"{name}#{task['activation']}"}
        for key in triggered_by:
            ancestors.add(f"{key['task']}#{key['activation']}")
            ancestors.update(
                work.state["tasks"]
                .get(key["task"], {})
                .get("ancestors_of_run", {})
                .get(str(key["activation"]), [])
            )
        task.setdefault("ancestors_of_run", {})[str(task["activation"])] = sorted(
            a for a in ancestors if a.split("#")[0] in work.graph.cyclic
        )
    names = base_names(work.state, work.context)
    try:
        guard = render_condition(definition.get("when"), names)
    except RenderError as exc:
        return fail_task(work, name, str(exc))
    if not guard:
        task.update(status="skipped", result=None)
        work.queue.append(("finish", name, None))
        return
    if definition.get("type") == "parallel":
        task["status"] = "running"
        for entry in work.graph.entry.get(name, []):
            work.queue.append(("activate", entry, triggered_by))
        if not work.graph.entry.get(name):
            work.queue.append(("finish", name, None))
        return
    if definition.get("wait_for"):
        try:
            inquiry_id = render((definition["wait_for"] or {}).get("inquiry"), names)
        except RenderError as exc:
            return fail_task(work, name, str(exc))
        task.update(status="waiting_inquiry", inquiry_id=inquiry_id)
        work.step.waits.append(WaitSpec(name, task["activation"], inquiry_id))
        return
    start_items(work, name)


def fail_task(work: Work, name: str, message: str) -> None:
    """S6: a render error before any run fails the task; its transitions still run."""
    work.task(name).update(status="failed", result={"error": message})
    work.queue.append(("finish", name, None))


def inquiry_resolved(work: Work, event: InquiryResolved) -> None:
    task = work.state["tasks"].get(event.task)
    if not task or task["status"] != "waiting_inquiry" or task["activation"] != event.activation:
        return
    inquiry = dict(event.inquiry)
    status = inquiry.get("status")
    if status == "invalid":
        fail_task(work, event.task, inquiry.get("error") or "invalid inquiry")
        return
    work.state["inquiries"][event.task] = {key: inquiry.get(key) for key in INQUIRY_FIELDS}
    if status in ("timeout", "timed_out"):
        task.update(status="timed_out", result={"code": "inquiry_timeout", "inquiry_id": inquiry.get("id")})
        work.queue.append(("finish", event.task, None))
        return
    if status == "cancelled" or work.state["cancelling"]:
        task.update(status="cancelled", result=None)
        work.queue.append(("finish", event.task, None))
        return
    task["status"] = "running"
    start_items(work, event.task)


def cancel(work: Work, policy: str) -> None:
    """S40: nothing new starts; running runs are cancelled only under cancel_running."""
    from .items import in_flight_keys

    if work.state["cancelling"]:
        return
    work.state["cancelling"] = policy or "allow_finish"
    for task in work.state["tasks"].values():
        if task["status"] == "waiting_inquiry":
            task["status"] = "cancelled"
        items = task.get("items")
        if items:
            items["queue"] = []
    work.step.cancel.extend(
        in_flight_keys(work, retry_pending_only=work.state["cancelling"] != "cancel_running")
    )


def finish_task(work: Work, name: str) -> None:
    """S28-S33: record, evaluate every transition against one snapshot, publish, trigger."""
    task = work.task(name)
    definition = work.graph.tasks[name]
    status, result = task["status"], task.get("result")
    work.step.events.append(
        {"type": "task_finished", "task": name, "activation": task["activation"], "status": status}
    )
    if work.state["cancelling"] or work.state["failing"]:
        return finish_group_member(work, name)
    names = transition_names(work.state, work.context, status, result)
    firing = []
    for position, transition in enumerate(definition.get("next") or []):
        try:
            if render_condition(transition.get("when"), names):
                firing.append((position, transition))
        except RenderError as exc:
            return fail_workflow(work, f"task '{name}': /next/{position}/when: {exc}")
    assignments = []
    for position, transition in firing:
        for index, entry in enumerate(transition.get("publish") or []):
            if isinstance(entry, str):
                assignments.append((entry, copy.deepcopy(names["result"]())))
                continue
            ((key, value),) = entry.items()
            try:
                assignments.append((key, render(value, names)))
            except RenderError as exc:
                return fail_workflow(work, f"task '{name}': /next/{position}/publish/{index}: {exc}")
    if assignments:
        variables = {**work.state["variables"], **dict(assignments)}
        if problem := variables_problem(work.context, variables):
            return fail_workflow(work, f"task '{name}': publish: {problem}")
        work.state["variables"] = variables
    handled = any(not exhausted(work, target) for _, t in firing for target in t.get("do") or [])
    if status in ("failed", "timed_out") and not handled:
        work.state["unhandled"].append(name)
    # Which `next` entries fired (their positions), for the picture's emphasised edges.
    task["fired"] = [position for position, _ in firing]
    trigger_key = {"task": name, "activation": task["activation"]}
    for _, transition in firing:
        for target in transition.get("do") or []:
            trigger(work, name, target, trigger_key)
    finish_group_member(work, name)


def trigger(work: Work, source: str, target: str, trigger_key: dict) -> None:
    """S32: a trigger starts a run if the target never ran, or its latest finished run is an
    ancestor of the triggering run (a loop coming round); joins count distinct predecessors."""
    task = work.task(target)
    if task.get("exhausted"):
        return  # over ATTUNE_MAX_TASK_ACTIVATIONS: recorded and ignored
    source_task = work.state["tasks"][source]
    if task["activation"] and task["status"] != "waiting_join":
        if task["status"] in ("running", "waiting_inquiry", "pending"):
            return
        ancestors = source_task.get("ancestors_of_run", {}).get(str(source_task["activation"]), [])
        if f"{target}#{task['activation']}" not in ancestors:
            return
        task["arrivals"] = []
        task["status"] = None
    join = work.graph.tasks[target].get("join")
    arrivals = task.setdefault("arrivals", [])
    if source not in [a["task"] for a in arrivals]:
        arrivals.append(trigger_key)
    if join and len(arrivals) < join:
        task["status"] = "waiting_join"
        return
    work.queue.append(("activate", target, list(arrivals)))


def exhausted(work: Work, name: str) -> bool:
    return bool(work.state["tasks"].get(name, {}).get("exhausted"))


def finish_group_member(work: Work, name: str) -> None:
    from .groups import maybe_finish_group

    group = work.graph.parent.get(name)
    if group is not None:
        maybe_finish_group(work, group)
