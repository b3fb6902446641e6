"""Runs of one activation: items (S15-S17), concurrency slots, retries (S9-S12), timeouts (S13)."""

from executions.rendering import RenderError, render, render_condition

from .limits import limit, result_problem
from .names import base_names, transition_names
from .types import CollectSpec, ResultsCollected, RunFinished, RunKey, RunSpec

FAILED_LIKE = {"failed", "abandoned", "cancelled"}


def start_items(work, name: str) -> None:
    """Render with_items, then per item timeout and input; start up to `concurrency` runs."""
    from .core import fail_task

    task = work.task(name)
    definition = work.graph.tasks[name]
    names = base_names(work.state, work.context)
    try:
        if "with_items" in definition:
            elements = render(definition["with_items"], names)
            if not isinstance(elements, list):
                return fail_task(work, name, f"with_items gave {type(elements).__name__}, not a list")
            size = definition.get("batch_size")
            if size:
                elements = [elements[i : i + size] for i in range(0, len(elements), size)]
            maximum = limit(work.context, "ATTUNE_WITH_ITEMS_MAX")
            if len(elements) > maximum:
                return fail_task(
                    work,
                    name,
                    f"with_items gave {len(elements)} items, over ATTUNE_WITH_ITEMS_MAX ({maximum})",
                )
        else:
            elements = None
        inputs, timeouts = [], []
        for index, element in enumerate(elements if elements is not None else [None]):
            scope = dict(names)
            if elements is not None:
                scope.update(item=element, index=index)
            timeouts.append(render_timeout(definition.get("timeout"), names))
            inputs.append(render(definition.get("input") or {}, scope))
    except RenderError as exc:
        return fail_task(work, name, str(exc))
    except ValueError as exc:
        return fail_task(work, name, str(exc))
    count = len(inputs)
    task["items"] = {
        "iterated": elements is not None,
        "total": count,
        "inputs": inputs,
        "timeouts": timeouts,
        "attempts": [0] * count,
        "statuses": [None] * count,
        "results": None if elements is not None else [None],  # iterated: collected at the end
        "queue": list(range(count)),
        "in_flight": [],
    }
    if count == 0:
        task.update(status="succeeded", result=[])
        work.queue.append(("finish", name, None))
        return
    task["status"] = "running"
    fill_slots(work, name)


def render_timeout(template, names) -> int | None:
    if template is None:
        return None
    value = render(template, names)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"timeout {value!r} is not an integer") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"timeout {value!r} is not an integer >= 0")
    return value or None


def fill_slots(work, name: str) -> None:
    task = work.task(name)
    items = task["items"]
    concurrency = work.graph.tasks[name].get("concurrency") or 1 if items["iterated"] else 1
    while items["queue"] and len(items["in_flight"]) < concurrency:
        if work.state["cancelling"] or work.state["failing"]:
            items["queue"] = []
            return
        index = items["queue"].pop(0)
        launch(work, name, index, delay=0)


def launch(work, name: str, index: int, delay: float) -> None:
    from .core import fail_workflow

    task = work.task(name)
    items = task["items"]
    definition = work.graph.tasks[name]
    maximum = limit(work.context, "ATTUNE_MAX_RUNS_PER_EXECUTION")
    if work.state["runs_started"] >= maximum:
        fail_workflow(work, f"more than ATTUNE_MAX_RUNS_PER_EXECUTION ({maximum}) runs")
        return
    work.state["runs_started"] += 1
    runs = items["attempts"][index] + 1  # runs of this item so far, this one included
    items["attempts"][index] = runs
    task["attempts"] = max(task["attempts"], runs)
    attempt = runs - 1  # Attune's retry_count: 0 on the first attempt
    item_index = index if items["iterated"] else None
    if index not in items["in_flight"]:
        items["in_flight"].append(index)
    work.state["runs"][run_id(name, task["activation"], item_index, attempt)] = {"delay": delay}
    workflow = definition.get("type") == "workflow"
    work.step.start.append(
        RunSpec(
            task=name,
            activation=task["activation"],
            item_index=item_index,
            attempt=attempt,
            kind="workflow" if workflow else "action",
            ref=definition.get("action"),
            input=items["inputs"][index],
            timeout_seconds=items["timeouts"][index],
            delay_seconds=delay,
            max_retries=(definition.get("retry") or {}).get("count", 0),
            triggered_by=[
                RunKey(k["task"], k["activation"], None, 0) for k in task.get("triggered_by") or []
            ],
        )
    )


def run_id(task: str, activation: int, item_index, attempt: int) -> str:
    return f"{task}|{activation}|{'' if item_index is None else item_index}|{attempt}"


def run_finished(work, event: RunFinished) -> None:
    key = run_id(event.task, event.activation, event.item_index, event.attempt)
    if work.state["runs"].pop(key, None) is None:
        return  # a duplicate or a stale run: already fed
    task = work.task(event.task)
    items = task["items"]
    index = event.item_index or 0
    status, result = event.status, event.result
    if problem := result_problem(work.context, result):
        status, result = "failed", {"error": problem, "succeeded": False}
    if status in FAILED_LIKE:
        status = "failed"
    if status in ("failed", "timed_out") and should_retry(work, event.task, index, status, result):
        launch(
            work,
            event.task,
            index,
            delay_for(work.graph.tasks[event.task]["retry"], items["attempts"][index]),
        )
        return
    if event.status == "cancelled" and work.state["cancelling"]:
        status = "cancelled"
    items["in_flight"].remove(index)
    items["statuses"][index] = status
    if not items["iterated"]:
        items["results"][0] = result
    elif result is not event.result:  # replaced here (too large): the run's row does not say so
        items.setdefault("replaced", {})[str(index)] = result
    fill_slots(work, event.task)
    if items["in_flight"] or items["queue"]:
        return
    if items["iterated"]:
        task["status"] = "collecting"
        work.step.collect.append(CollectSpec(event.task, task["activation"], items["total"]))
        return
    complete(work, event.task, items["results"])


def results_collected(work, event: ResultsCollected) -> None:
    task = work.state["tasks"].get(event.task)
    if not task or task["status"] != "collecting" or task["activation"] != event.activation:
        return  # stale: not the activation that asked
    results = list(event.results)
    for index, result in (task["items"].get("replaced") or {}).items():
        results[int(index)] = result
    complete(work, event.task, results)


def complete(work, name: str, results: list) -> None:
    task = work.task(name)
    task["status"], task["result"] = aggregate(task["items"], results)
    task["items"] = finished_items(task["items"])
    work.queue.append(("finish", name, None))


def finished_items(items: dict) -> dict:
    """What a finished activation keeps of its items: the counts the task view shows.

    The inputs and per-item results are dropped (the results live on in the task's result):
    the state is read and written by every advance step, so it must not grow by a copy of
    every result of every task.
    """
    return {key: items[key] for key in ("iterated", "total", "attempts", "statuses")}


def should_retry(work, name: str, index: int, status: str, result) -> bool:
    retry = work.graph.tasks[name].get("retry")
    if not retry or work.state["cancelling"] or work.state["failing"]:
        return False
    if work.task(name)["items"]["attempts"][index] > retry.get("count", 0):
        return False
    if retry.get("on_error") is None:
        return True
    try:
        return render_condition(retry["on_error"], transition_names(work.state, work.context, status, result))
    except RenderError:
        return False


def delay_for(retry: dict, attempt: int) -> float:
    """The wait before retry n = attempt (S10): constant, linear or exponential, capped."""
    base = retry.get("delay") or 0
    backoff = retry.get("backoff") or "constant"
    number = attempt  # the retry about to start is the attempt-th retry
    delay = (
        base * number
        if backoff == "linear"
        else base * 2 ** (number - 1)
        if backoff == "exponential"
        else base
    )
    if retry.get("max_delay") is not None:
        delay = min(delay, retry["max_delay"])
    return delay


def aggregate(items: dict, results: list):
    statuses = items["statuses"]
    if all(s == "succeeded" for s in statuses):
        status = "succeeded"
    elif "cancelled" in statuses:
        status = "cancelled"
    elif "failed" not in statuses and "timed_out" in statuses:
        status = "timed_out"
    else:
        status = "failed"
    return status, (list(results) if items["iterated"] else results[0])


def in_flight_keys(work, retry_pending_only: bool) -> list:
    keys = []
    for key, run in work.state["runs"].items():
        if retry_pending_only and not run.get("delay"):
            continue
        task, activation, item_index, attempt = key.split("|")
        keys.append(RunKey(task, int(activation), int(item_index) if item_index else None, int(attempt)))
    return keys
