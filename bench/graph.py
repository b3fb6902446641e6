"""The task-graph picture and the graph endpoints of large workflows, each against a floor.

Run from the project root:

    DJANGO_SECRET_KEY=any .venv/bin/python bench/graph.py [--tasks 1000 2000 4000] [--runs 3]
    # --only picture endpoints (the sections to run; default both)

1. picture: a generated ~1,000-task workflow shaped like real ones (chains, fan-out to a
   join, a `parallel` group per block, failure edges to a shared handler, a retry loop),
   drawn by workflows.picture.graph_svg: cold (layout cache emptied: dot runs) and warm (the
   cached layout, as when an execution's picture is polled). The floor, measured in the same
   run: Graphviz alone, `AGraph.layout(prog="dot")` on the very graph the picture hands dot
   (same nodes, edges, clusters and settings), so the ratio is what building dot's input,
   reading its output and writing the SVG add. Target: cold < 1 s.
2. endpoints: for each size, two shapes of workflow (a chain, and bench/validate.py's
   layered graph with joins and conditions) are stored in a throwaway in-memory SQLite
   database, then timed as medians over --runs runs, each through the real API with an
   authenticated test client: POST /api/v1/workflows/validate (JSON body),
   GET /api/v1/workflows/{ref}/graph and GET /api/v1/workflows/{ref}/graph.svg (warm after
   the first run: the layout is cached); the floor: json.loads of the same definition's JSON.

Sizes above ATTUNE_WORKFLOW_MAX_TASKS are run with the limit raised, to show how the graph
work grows (near-linear: doubling the size should about double the time). A last line times
validate of a 10,000-task chain under the default limit: refused by W502 before any graph work.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-for-graph-timing")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from attune.yamlio import load_yaml  # noqa: E402
from bench.validate import generate, median_time  # noqa: E402
from workflows.picture import graph_svg, layout  # noqa: E402
from workflows.validation import check_definition, describe_graph  # noqa: E402

BLOCK = 10  # tasks per block of the picture's workflow
SECTIONS = ["picture", "endpoints"]


def chain(tasks: int) -> dict:
    steps = [
        {"name": f"t{i}", "action": "core.http", "next": [{"when": "{{ succeeded() }}", "do": [f"t{i + 1}"]}]}
        for i in range(tasks - 1)
    ]
    return {"version": "1.0.0", "tasks": [*steps, {"name": f"t{tasks - 1}", "action": "core.http"}]}


def realistic(tasks: int) -> dict:
    """Blocks of ten tasks: prepare, then a chain, a conditional branch and a parallel group
    joined again, then a check that loops back or goes on; every fifth block's failures go
    to one shared handler, as a workflow's alerting does."""
    blocks = max(1, (tasks - 3) // BLOCK)
    steps = [{"name": "start", "action": "core.echo", "next": [{"do": ["prepare_0"]}]}]
    for k in range(blocks):
        after = f"prepare_{k + 1}" if k + 1 < blocks else "done"
        failure = {"when": "{{ failed() or timed_out() }}", "do": ["notify_failure"]}
        steps += [
            {"name": f"prepare_{k}", "action": "core.http", "input": {"url": f"https://svc.test/{k}"},
             "retry": {"count": 2}, "timeout": 60, "next": [
                {"when": "{{ succeeded() }}", "publish": [{"batch": "{{ result().body }}"}],
                 "do": [f"extract_{k}", f"branch_{k}", f"group_{k}"]},
                *([failure] if k % 5 == 0 else []),
            ]},
            {"name": f"extract_{k}", "action": "core.http", "next": [{"do": [f"transform_{k}"]}]},
            {"name": f"transform_{k}", "action": "core.echo", "next": [{"do": [f"join_{k}"]}]},
            {"name": f"branch_{k}", "action": "core.echo", "when": "{{ workflow.batch }}",
             "next": [{"do": [f"join_{k}"]}]},
            {"name": f"group_{k}", "type": "parallel", "tasks": [
                {"name": f"left_{k}", "action": "core.echo", "next": [{"do": [f"left_done_{k}"]}]},
                {"name": f"left_done_{k}", "action": "core.noop"},
                {"name": f"right_{k}", "action": "core.noop"},
            ], "next": [{"do": [f"join_{k}"]}]},
            {"name": f"join_{k}", "action": "core.noop", "join": 3, "next": [{"do": [f"check_{k}"]}]},
            {"name": f"check_{k}", "action": "core.echo", "next": [
                {"when": "{{ succeeded() and not result().retry }}", "do": [after]},
                {"when": "{{ succeeded() and result().retry }}", "do": [f"prepare_{k}"]},
                *([failure] if k % 5 == 0 else []),
            ]},
        ]  # fmt: skip
    steps += [{"name": "done", "action": "core.noop"}, {"name": "notify_failure", "action": "core.echo"}]
    return {"version": "1.0.0", "tasks": steps}


def picture_section(tasks: int, runs: int) -> None:
    report = check_definition(realistic(tasks))
    errors = [d for d in report.diagnostics if d.severity == "error"]
    if errors:
        sys.exit(f"the generated workflow has errors: {errors[:3]}")
    definition = report.definition
    graph = describe_graph(definition)
    floor = median_time(lambda: layout.dot_graph(graph).layout(prog="dot"), runs)

    def cold():
        layout._cache.clear()
        graph_svg(graph, definition=definition)

    cold_seconds = median_time(cold, runs)
    warm_seconds = median_time(lambda: graph_svg(graph, definition=definition, states={}), runs)
    groups = sum(1 for node in graph["nodes"] if node["type"] == "parallel")
    print(
        f"picture of {len(graph['nodes'])} tasks, {len(graph['edges'])} edges, {groups} parallel groups: "
        f"dot alone {floor:.3f} s | cold {cold_seconds:.3f} s ({cold_seconds / floor:.2f}x, target < 1 s: "
        f"{'met' if cold_seconds < 1 else 'MISSED'}) | warm {warm_seconds:.3f} s ({warm_seconds / floor:.2f}x)",
        flush=True,
    )


def client() -> APIClient:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("bench", password="bench-only-password")  # noqa: S106
    api = APIClient()
    api.force_authenticate(user)
    return api


def expect(response, status: int = 200):
    if response.status_code != status:
        sys.exit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def measure(api, ref: str, definition: dict, runs: int) -> None:
    from packs.models import Pack
    from workflows.models import Workflow

    pack = Pack.objects.get_or_create(ref="bench", defaults={"label": "Bench", "version": "1.0.0"})[0]
    Workflow.objects.update_or_create(
        ref=ref, defaults={"pack": pack, "label": ref, "version": "1.0.0", "definition": definition}
    )
    text = json.dumps(definition)
    floor = median_time(lambda: json.loads(text), runs)
    report = expect(api.post("/api/v1/workflows/validate", text, content_type="application/json")).json()
    if not report["data"]["valid"]:
        sys.exit(f"{ref} is not valid: {report['data']['diagnostics'][:3]}")
    timings = {
        "validate": lambda: expect(
            api.post("/api/v1/workflows/validate", text, content_type="application/json")
        ),
        "graph": lambda: expect(api.get(f"/api/v1/workflows/{ref}/graph")),
        "graph.svg": lambda: expect(api.get(f"/api/v1/workflows/{ref}/graph.svg")),
    }
    cells = [f"{ref:<16} {len(text) / 1024:6.0f} KiB  json.loads {floor * 1000:6.1f} ms"]
    for name, work in timings.items():
        seconds = median_time(work, runs)
        cells.append(f"{name} {seconds * 1000:7.1f} ms ({seconds / floor:5.0f}x)")
    print(" | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    args = parser.parse_args()
    if "picture" in args.only:
        picture_section(1000, args.runs)
    if "endpoints" not in args.only:
        return
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    connection.creation.create_test_db(verbosity=0)
    api = client()
    limit, size_limit = settings.ATTUNE_WORKFLOW_MAX_TASKS, settings.ATTUNE_DEFINITION_MAX_BYTES
    for tasks in args.tasks:
        settings.ATTUNE_WORKFLOW_MAX_TASKS = max(limit, tasks)
        settings.ATTUNE_DEFINITION_MAX_BYTES = max(size_limit, 4 * 1024 * tasks)
        measure(api, f"bench.chain{tasks}", chain(tasks), args.runs)
        measure(api, f"bench.layered{tasks}", load_yaml(generate(tasks)).data, args.runs)
    settings.ATTUNE_WORKFLOW_MAX_TASKS, settings.ATTUNE_DEFINITION_MAX_BYTES = limit, size_limit
    huge = json.dumps(chain(10_000))
    floor = median_time(lambda: json.loads(huge), args.runs)
    seconds = median_time(
        lambda: expect(api.post("/api/v1/workflows/validate", huge, content_type="application/json")),
        args.runs,
    )
    body = expect(api.post("/api/v1/workflows/validate", huge, content_type="application/json")).json()[
        "data"
    ]
    codes = [d["code"] for d in body["diagnostics"]]
    print(
        f"validate of a 10,000-task chain at the default limit: {seconds * 1000:.1f} ms "
        f"({seconds / floor:.0f}x json.loads {floor * 1000:.1f} ms), diagnostics {codes}"
    )


if __name__ == "__main__":
    main()
