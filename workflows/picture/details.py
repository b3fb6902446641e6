"""What the picture's tooltips say, read from the definition: per task its action, input
keys, retry and timeout; per edge its condition and the variables it publishes.

describe_graph (the API's graph) stays as it is; this walks the same definition in the same
order (tasks in list order, then each task's `next` entries and their `do` targets), so the
n-th transition here is the n-th edge there.
"""


def _tasks_by_name(tasks, found: dict) -> dict:
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, dict) and isinstance(task.get("name"), str):
            found.setdefault(task["name"], task)  # a duplicate name is not in the graph
            if task.get("type") == "parallel":
                _tasks_by_name(task.get("tasks"), found)
    return found


def picture_details(definition: dict, graph: dict) -> dict:
    """{"tasks": {name: details}, "edges": [details per edge of `graph`]}; `graph` is
    describe_graph(definition)."""
    tasks = _tasks_by_name(definition.get("tasks") if isinstance(definition, dict) else None, {})
    parents = {node["name"]: node["parent"] for node in graph["nodes"]}
    edges = []
    for node in graph["nodes"]:
        task = tasks.get(node["name"], {})
        for position, transition in enumerate(task.get("next") or []):
            if not isinstance(transition, dict):
                continue
            for target in transition.get("do") or []:
                if target in parents and parents[target] == node["parent"]:
                    edges.append({"transition": position, "publish": _publish_keys(transition)})
    if len(edges) != len(graph["edges"]):  # not describe_graph's definition: no edge details
        edges = [{"transition": None, "publish": []} for _ in graph["edges"]]
    return {"tasks": {name: _task_details(task) for name, task in tasks.items()}, "edges": edges}


def _publish_keys(transition: dict) -> list[str]:
    keys = []
    for entry in transition.get("publish") or []:
        if isinstance(entry, str):
            keys.append(entry)
        elif isinstance(entry, dict):
            keys += [str(key) for key in entry]
    return keys


def _task_details(task: dict) -> dict:
    retry = task.get("retry")
    return {
        "input": sorted(str(key) for key in task["input"]) if isinstance(task.get("input"), dict) else [],
        "retry": retry.get("count") if isinstance(retry, dict) else None,
        "timeout": task.get("timeout"),
        "with_items": "with_items" in task,
        "join": task.get("join"),
    }
