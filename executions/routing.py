"""Which queues a worker serves: `attune.run` plus the selector queues its labels satisfy.

A run's queue is named after its pack's `worker_selector` (`executions.service.queue_for`);
a worker started with labels serves every selector queue whose labels are a subset of its
own. The set is computed from the packs in the database, so workers refresh it now and then
to pick up packs loaded after they started (docs/workers.md, "Routing").
"""

from packs.models import Pack

DEFAULT_QUEUE = "attune.run"


def parse_labels(text: str) -> dict[str, str]:
    """`k=v,k2=v2` as a dict; ValueError naming the bad item."""
    labels = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"label '{item}' is not key=value")
        labels[key.strip()] = value.strip()
    return labels


def parse_queues(text: str) -> list[str]:
    return [name for name in (part.strip() for part in (text or "").split(",")) if name]


def queues_for_labels(labels: dict[str, str]) -> list[str]:
    """`attune.run` and the queue of every pack selector that `labels` satisfy, sorted."""
    from executions.service import queue_for  # the one definition of a queue's name

    queues = {DEFAULT_QUEUE}
    for pack in Pack.objects.only("worker_selector"):
        selector = pack.worker_selector or {}
        if all(labels.get(key) == value for key, value in selector.items()):
            queues.add(queue_for(pack))
    return sorted(queues)
