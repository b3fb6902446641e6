"""Requests/s of the workflow list and detail API against plain-Django floors, under gunicorn.

Run from the project root:

    make bench
    # or, with options:
    DJANGO_SECRET_KEY=any .venv/bin/python bench/list_workflows.py --seconds 10 --rounds 3
    # on PostgreSQL (the role needs CREATEDB; the URL's database is only used to create one):
    DATABASE_URL=postgres://attune@127.0.0.1:55432/postgres DJANGO_SECRET_KEY=any \\
        .venv/bin/python bench/list_workflows.py

What it does:

1. Creates a throwaway database: a SQLite file in a temp dir, or, when DATABASE_URL names a
   PostgreSQL server, a database `attune_bench_<random>` on it, dropped at the end. Migrates
   it and seeds 10,000 workflows over 20 packs, with source and manifest texts as a pack load
   stores them, plus one ordinary user whose JWT access token authenticates the API.
2. Starts gunicorn (2 sync workers, 127.0.0.1, a free port) with bench.settings: Attune's
   settings plus the floor URLs of bench/views.py. Waits for /health.
3. Measures three pairs, each an API endpoint against a floor doing the same database work
   (same queries, same rows and ordering, same response bytes, checked before measuring and
   in tests/test_bench_floors.py); only authentication and DRF are left out of the floors:
   - list:           GET /api/v1/workflows?page_size=50 (count + page) vs /bench/floor;
   - list, no count: the same with include_total=false (page + 1 row) vs its floor;
   - detail:         GET /api/v1/workflows/{ref} vs /bench/floor/{ref}, the shown columns.
   After a warm-up, each target runs for --seconds per round, API and floor alternating
   which goes first, over --rounds rounds, so machine noise hits both alike.
4. Prints req/s and p50/p95 latency per target and round, then for each pair the median
   round's ratio api/floor against its target. Missing a target does not fail the exit
   code; a broken setup (non-200, different bodies, server not starting) does.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path; the imports need the project root.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.harness import (  # noqa: E402 (the path above first)
    HOST,
    Target,
    fail,
    fetch_once,
    format_tally,
    free_port,
    migrate,
    run_load,
    start_server,
    stop_server,
    throwaway_database,
    wait_healthy,
)

PAGE_SIZE = 50
# A workflow file and a pack.yaml as a pack load stores them (`source_text`, `manifest_text`):
# the detail query must not pay for reading them, so the seed carries realistic ones.
SOURCE_TEXT = "---\nversion: 1.0.0\ntasks:\n" + "".join(
    f"  - name: step_{n}\n    action: core.echo\n    input:\n      message: '{{{{ target }}}} {n}'\n"
    f"    next: [step_{n + 1}]\n"
    for n in range(40)
)
MANIFEST_TEXT = "ref: pack\nlabel: Pack\nversion: 1.0.0\ndescription: " + "An operations pack. " * 40


@dataclass
class Pair:
    name: str
    target: float
    api: Target
    floor: Target
    items: int | None  # a full page expected, or None for a detail


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per target per round")
    parser.add_argument("--rounds", type=int, default=3, help="api/floor rounds; the median is reported")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per target")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--workflows", type=int, default=10_000)
    parser.add_argument("--packs", type=int, default=20)
    return parser.parse_args()


def configure_environment(database_url: str) -> None:
    """Point this process and its children (migrate, gunicorn) at the throwaway database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # DEBUG on keeps every query in memory and changes error handling: not what runs in
    # production, so the figures would mean nothing.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = HOST
    # `make bench` passes a key; a direct run gets a random one (it only signs bench tokens).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32))


def seed(workflows: int, packs: int) -> tuple[str, str]:
    """Create the packs, workflows and user; return the user's access token and a workflow ref."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from bench.data import make_packs, make_workflows
    from packs.models import Pack
    from workflows.models import Workflow

    pack_objects = make_packs(packs)
    make_workflows(workflows, pack_objects)
    Workflow.objects.update(source_text=SOURCE_TEXT, metadata_text=MANIFEST_TEXT[:400])
    Pack.objects.update(manifest_text=MANIFEST_TEXT)
    ref = Workflow.objects.order_by("ref").values_list("ref", flat=True)[workflows // 2]
    # An ordinary active user: reading needs authentication but no model permission.
    user = get_user_model().objects.create_user(username="bench", password=None)
    token = str(RefreshToken.for_user(user).access_token)
    # The server owns the database from here; keep no connection open in this process.
    connection.close()
    return token, ref


def describe_environment(args: argparse.Namespace, pairs: list[Pair]) -> list[str]:
    import sqlite3

    import django
    import gunicorn
    from django.conf import settings
    from django.db import connection

    engine = settings.DATABASES["default"]["ENGINE"]
    if connection.vendor == "sqlite":
        db = f"SQLite {sqlite3.sqlite_version}, a temp file"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}, database {settings.DATABASES['default']['NAME']}"
        connection.close()
    lines = [
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, gunicorn {gunicorn.__version__}",
        f"DB: {db} ({engine}), {args.workflows} workflows in {args.packs} packs",
        f"Server: gunicorn, {args.workers} sync workers, DEBUG={settings.DEBUG}; "
        f"client: {args.concurrency} threads, loopback; CPUs: {os.cpu_count()}",
        f"Load: {args.warmup} warm-up requests per target, then {args.seconds:g} s per target "
        f"x {args.rounds} rounds, api/floor alternating",
    ]
    for pair in pairs:
        lines.append(f"{pair.name}: api GET {pair.api.path} (Bearer JWT) vs floor GET {pair.floor.path}")
    return lines


def make_pairs(token: str, ref: str) -> list[Pair]:
    auth = {"Authorization": f"Bearer {token}"}
    listing = f"?page_size={PAGE_SIZE}"
    # (figure, target ratio, what follows each path, rows per page); the floor needs no token.
    figures = [
        ("list", 0.8, listing, PAGE_SIZE),
        ("list, no count", 0.8, f"{listing}&include_total=false", PAGE_SIZE),
        ("detail", 0.7, f"/{ref}", None),
    ]
    return [
        Pair(
            name,
            target,
            Target("api", f"/api/v1/workflows{tail}", auth),
            Target("floor", f"/bench/floor{tail}", {}),
            rows,
        )
        for name, target, tail, rows in figures
    ]


def verify(port: int, pair: Pair) -> None:
    """Fail loudly unless both answer 200 with the same body (a full page for a list)."""
    import json

    bodies = {}
    for target in (pair.api, pair.floor):
        status, body = fetch_once(port, target)
        if status != 200:
            fail(f"{pair.name} {target.name} answered {status}: {body[:500]!r}")
        bodies[target.name] = body
    if bodies["api"] != bodies["floor"]:
        fail(
            f"{pair.name}: the floor's body differs from the API's:\n{bodies['api'][:300]!r}\n{bodies['floor'][:300]!r}"
        )
    items = json.loads(bodies["api"]).get("items")
    if pair.items is not None and (not isinstance(items, list) or len(items) != pair.items):
        fail(f"{pair.name} returned {len(items or [])} items, expected {pair.items}")


def run_rounds(port: int, pairs: list[Pair], args: argparse.Namespace) -> dict[str, list[dict]]:
    results = {pair.name: [] for pair in pairs}
    for number in range(1, args.rounds + 1):
        for pair in pairs:
            # Alternate which target goes first, so neither always runs on a warmer machine.
            order = (pair.floor, pair.api) if number % 2 else (pair.api, pair.floor)
            tallies = {}
            for target in order:
                tallies[target.name] = run_load(port, target, args.concurrency, seconds=args.seconds)
                print(f"round {number}  {format_tally(f'{pair.name} {target.name}', tallies[target.name])}")
            if tallies["floor"].ok == 0 or tallies["api"].ok == 0:
                fail(f"round {number} of {pair.name} got no 200 responses from one target")
            results[pair.name].append(tallies)
        sys.stdout.flush()
    return results


def report(pairs: list[Pair], results: dict[str, list[dict]]) -> None:
    print("\nfigure           ratio api/floor (median round)  target   per round")
    problems = False
    for pair in pairs:
        rounds = results[pair.name]
        ratios = [r["api"].rate / r["floor"].rate for r in rounds]
        # The median round, not medians of each column: both figures come from the same minute.
        median = sorted(range(len(rounds)), key=ratios.__getitem__)[(len(rounds) - 1) // 2]
        verdict = "meets" if ratios[median] >= pair.target else "MISSES"
        api, floor = rounds[median]["api"], rounds[median]["floor"]
        print(
            f"{pair.name:<16} {ratios[median]:5.2f} ({api.rate:7.1f} / {floor.rate:7.1f} req/s)   "
            f">= {pair.target:.2f} {verdict:<6}  " + ", ".join(f"{r:.2f}" for r in ratios)
        )
        problems |= any(t.other_status or t.errors for r in rounds for t in r.values())
    if problems:
        print("Some requests failed: see the non-200/error counts above.")


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    log_path = workdir / "gunicorn.log"
    with throwaway_database(workdir) as database_url:
        configure_environment(database_url)
        started = time.perf_counter()
        migrate()
        token, ref = seed(args.workflows, args.packs)
        pairs = make_pairs(token, ref)
        print("\n".join(describe_environment(args, pairs)))
        print(f"Migrated and seeded in {time.perf_counter() - started:.1f} s", flush=True)
        port = free_port()
        server = start_server(port, args.workers, log_path)
        try:
            wait_healthy(port, server, log_path)
            for pair in pairs:
                verify(port, pair)
                for target in (pair.api, pair.floor):
                    run_load(port, target, args.concurrency, requests=args.warmup)
            print(f"Server up on {HOST}:{port}; every floor answers its API's bytes; warmed up", flush=True)
            results = run_rounds(port, pairs, args)
        finally:
            stop_server(server)
        report(pairs, results)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as workdir:
        benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
