"""`parallel` groups (S35): the group finishes when none of its nested tasks runs or waits."""

from .finish import ACTIVE


def maybe_finish_group(work, group: str) -> None:
    group_task = work.task(group)
    if group_task["status"] != "running":
        return
    members = work.graph.children.get(group, [])
    if any(work.state["tasks"].get(m, {}).get("status") in ACTIVE for m in members):
        return
    if any(item[0] == "activate" and work.graph.parent.get(item[1]) == group for item in work.queue):
        return
    result = {}
    failed = False
    for member in members:
        task = work.state["tasks"].get(member)
        if not task or task["status"] is None:
            continue
        if task["status"] == "waiting_join":
            task["status"] = "not_run"
            continue
        result[member] = task.get("result")
        if member in work.state["unhandled"]:
            work.state["unhandled"].remove(member)
            failed = True
    group_task["result"] = result
    group_task["status"] = "failed" if failed else "succeeded"
    if work.state["cancelling"]:
        group_task["status"] = "cancelled"
    work.queue.append(("finish", group, None))
