"""Workflow orchestration overhead, against the raw Celery no-op round trip of the same run.

Run from the project root (needs redis-server on the PATH):

    DJANGO_SECRET_KEY=any .venv/bin/python bench/engine.py
    # options: --chain 100 --items 1000 --item-concurrency 100 --flows 50 --flow-tasks 10
    #          --only statements chain items flows celery (the sections to run; default all)
    #          --workers 2 --concurrency 4 --database-url postgres://... (an empty database)

1. Floor: the plain Celery no-op round trip (bench/celery_floor.py), median of 50.
2. A --chain-task chain of the built-in no-op, through embedded workers and then Celery
   workers: per-task time = (workflow finished - started) / tasks. Target: <= 3 x floor + 5 ms.
3. with_items over --items items with concurrency --item-concurrency (embedded): wall time,
   the workers' peak memory (VmHWM; this section runs first), and the SQL statements per
   item of the engine (each end with its advance step, the start), counted in this process
   with the inline transport, and apart those of the claims.
4. --flows workflows x --flow-tasks tasks started together (embedded): all complete,
   duplicate runs (task runs per (workflow, task) beyond one: 0 is the only right answer), runs/s.

Missing a target does not fail the exit code; a broken setup does.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.executions import (  # noqa: E402 (the path above first)
    celery_workers,
    embedded_workers,
    fail,
    floor_round_trip,
    migrate_and_seed,
    run_benchmark,
)

SECTIONS = ["statements", "chain", "items", "flows", "celery"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=100)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--item-concurrency", type=int, default=100)
    parser.add_argument("--flows", type=int, default=50)
    parser.add_argument("--flow-tasks", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, default=SECTIONS, help="run these sections only (default: all)"
    )
    return parser.parse_args()


def chain_workflow(ref: str, tasks: int):
    from packs.models import Pack
    from workflows.models import Workflow

    definition = {
        "version": "1.0.0",
        "tasks": [
            {
                "name": f"t{n}",
                "action": "bench.noop",
                **({"next": [{"do": [f"t{n + 1}"]}]} if n + 1 < tasks else {}),
            }
            for n in range(tasks)
        ],
    }
    return Workflow.objects.create(
        ref=ref, pack=Pack.objects.get(ref="bench"), label=ref, version="1.0.0", definition=definition
    )


def items_workflow(items: int, concurrency: int):
    from packs.models import Pack
    from workflows.models import Workflow

    definition = {
        "version": "1.0.0",
        "tasks": [
            {
                "name": "each",
                "action": "bench.noop",
                "with_items": f"{{{{ range({items}) | list }}}}",
                "concurrency": concurrency,
            }
        ],
    }
    return Workflow.objects.create(
        ref=f"bench.items{items}", pack=Pack.objects.get(ref="bench"), label="items", version="1.0.0",
        definition=definition,
    )  # fmt: skip


def wait_workflows(ids, timeout: float):
    from executions.models import TERMINAL, Execution

    deadline = time.monotonic() + timeout
    while Execution.objects.filter(id__in=ids).exclude(status__in=TERMINAL).exists():
        if time.monotonic() > deadline:
            fail(f"workflows {ids[:5]}... did not finish within {timeout:g}s")
        time.sleep(0.01)
    bad = list(
        Execution.objects.filter(id__in=ids).exclude(status="completed").values_list("id", "result")[:3]
    )
    if bad:
        fail(f"workflows did not complete: {bad}")


def chain_overhead(label: str, workflow, tasks: int, floor_ms: float) -> None:
    from executions.models import Execution
    from executions.orchestration import start_workflow

    execution = start_workflow(workflow, {})
    wait_workflows([execution.id], 600)
    execution = Execution.objects.get(id=execution.id)
    per_task = (execution.finished_at - execution.started_at).total_seconds() * 1000 / tasks
    target = 3 * floor_ms + 5
    verdict = "meets" if per_task <= target else "MISSES"
    print(f"{label}: {tasks}-task chain {per_task:.2f} ms per task against floor {floor_ms:.2f} ms = "
          f"{per_task / floor_ms:.1f}x (target <= {target:.2f} ms, {verdict} it)", flush=True)  # fmt: skip


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def items_run(workflow, items: int, workers) -> None:
    from executions.models import Execution
    from executions.orchestration import start_workflow

    started = time.perf_counter()
    execution = start_workflow(workflow, {})
    wait_workflows([execution.id], 900)
    wall = time.perf_counter() - started
    runs = Execution.objects.filter(parent_id=execution.id).count()
    peaks = ", ".join(f"{peak_rss_mb(worker.proc.pid):.0f}" for worker in workers)
    print(f"with_items: {items} items in {wall:.2f} s ({runs} runs, {items / wall:.0f} items/s); "
          f"peak memory: workers {peaks} MB, this process {peak_rss_mb():.0f} MB", flush=True)  # fmt: skip


def items_statements(items: int, concurrency: int) -> None:
    """The SQL statements per item, counted in-process with the inline transport: the engine's
    (each run's end with the advance step past it, the workflow's start), and apart the claims
    (the inline transport claims every run; a worker handing off claims none)."""
    import logging

    from django.conf import settings
    from django.db import connection

    from executions import lifecycle
    from executions.orchestration import start_workflow

    workflow = items_workflow(items // 10, concurrency)
    counts = {"all": 0, "claim": 0}

    def count(execute, sql, params, many, context):
        counts["all"] += 1
        return execute(sql, params, many, context)

    def counted_claim(*args, **kwargs):
        before = counts["all"]
        try:
            return claim(*args, **kwargs)
        finally:
            counts["claim"] += counts["all"] - before

    settings.ATTUNE_ENGINE_TRANSPORT = "inline"
    claim, lifecycle.claim = lifecycle.claim, counted_claim
    quiet = logging.getLogger("executions")
    level, quiet.level = quiet.level, logging.WARNING  # no line per run in the figures
    try:
        with connection.execute_wrapper(count):
            start_workflow(workflow, {})
    finally:
        lifecycle.claim, quiet.level = claim, level
        settings.ATTUNE_ENGINE_TRANSPORT = "embedded"
    total = items // 10
    engine = counts["all"] - counts["claim"]
    print(f"with_items statements: {engine / total:.1f} per item by the engine (each end with its advance "
          f"step, the start), {counts['claim'] / total:.1f} per item by the claims ({total} items, inline)")  # fmt: skip


def concurrent_flows(flows: int, tasks: int) -> None:
    from django.db.models import Count

    from executions.models import Execution
    from executions.orchestration import start_workflow

    workflows = [chain_workflow(f"bench.flow{n}", tasks) for n in range(flows)]
    started = time.perf_counter()
    ids = [start_workflow(workflow, {}).id for workflow in workflows]
    wait_workflows(ids, 900)
    wall = time.perf_counter() - started
    duplicates = (
        Execution.objects.filter(parent_id__in=ids)
        .values("parent_id", "task_name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    print(f"{flows} workflows x {tasks} tasks: all completed in {wall:.2f} s, {flows * tasks / wall:.0f} runs/s, "
          f"{duplicates} duplicate runs", flush=True)  # fmt: skip


def benchmark(args, workdir: Path, redis_url: str, children: list) -> None:
    migrate_and_seed()
    from django.conf import settings
    from django.db import connection

    print(f"DB {connection.vendor}; {args.workers} workers x {args.concurrency} threads", flush=True)
    children += celery_workers(workdir, args, "bench.celery_floor", "floor", 1)
    for _ in range(5):
        floor_round_trip()
    floor_ms = statistics.median(floor_round_trip() * 1000 for _ in range(50))
    print(f"floor: raw Celery no-op round trip {floor_ms:.2f} ms", flush=True)
    if "statements" in args.only:
        items_statements(args.items, args.item_concurrency)
    embedded = embedded_workers(workdir, args)
    children += embedded
    if "items" in args.only:  # first: the workers' peak memory is then this section's
        items_run(items_workflow(args.items, args.item_concurrency), args.items, embedded)
    if "chain" in args.only:
        chain = chain_workflow("bench.chain_embedded", args.chain)
        chain_overhead("embedded", chain, args.chain, floor_ms)
    if "flows" in args.only:
        concurrent_flows(args.flows, args.flow_tasks)
    for worker in embedded:
        worker.stop()
    if "celery" not in args.only:
        return
    # The Celery workers dispatch the next task themselves: they must not use the embedded transport.
    settings.ATTUNE_ENGINE_TRANSPORT = os.environ["ATTUNE_ENGINE_TRANSPORT"] = "celery"
    children += celery_workers(workdir, args, "attune", "attune.run", args.workers)
    chain_overhead("celery", chain_workflow("bench.chain_celery", args.chain), args.chain, floor_ms)


def main() -> None:
    run_benchmark("attune-bench-engine-", parse_args(), benchmark)


if __name__ == "__main__":
    main()
