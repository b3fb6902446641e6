"""Graph endpoints and validation of large workflows, against parsing the same document.

Run from the project root:

    DJANGO_SECRET_KEY=any .venv/bin/python bench/graph.py [--tasks 1000 2000 4000] [--runs 3]

For each size, two shapes of workflow (a chain, and bench/validate.py's layered graph with
joins and conditions) are stored in a throwaway in-memory SQLite database, then timed as
medians over --runs runs, each through the real API with an authenticated test client:

- POST /api/v1/workflows/validate (JSON body), GET /api/v1/workflows/{ref}/graph and
  GET /api/v1/workflows/{ref}/graph.svg;
- the floor, measured in the same run: json.loads of the same definition's JSON text.

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


def chain(tasks: int) -> dict:
    steps = [
        {"name": f"t{i}", "action": "core.http", "next": [{"when": "{{ succeeded() }}", "do": [f"t{i + 1}"]}]}
        for i in range(tasks - 1)
    ]
    return {"version": "1.0.0", "tasks": [*steps, {"name": f"t{tasks - 1}", "action": "core.http"}]}


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
    args = parser.parse_args()
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
