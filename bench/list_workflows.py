"""Requests/s of the workflow list API against a plain-Django floor, under gunicorn.

Run from the project root:

    make bench
    # or, with options:
    DJANGO_SECRET_KEY=any .venv/bin/python bench/list_workflows.py --seconds 10 --concurrency 4

What it does:

1. Creates a throwaway SQLite database in a temp dir, migrates it (`manage.py migrate`) and
   seeds 10,000 workflows over 20 packs, a few tags each (bulk_create), plus one ordinary
   user whose JWT access token authenticates the API requests.
2. Starts gunicorn (2 sync workers, 127.0.0.1 on a free port) with bench.settings, which is
   Attune's settings plus one extra URL, `/bench/floor`, and waits for /health.
3. Loads two targets with a few client threads over http.client, loopback only:
   - api:   GET /api/v1/workflows?page_size=50 with `Authorization: Bearer <token>`;
   - floor: GET /bench/floor, a plain view returning the same 50 rows (same fields and
     ordering) from `.values()` as JsonResponse; no auth, no count, no envelope.
   After a fixed warm-up, each target runs for --seconds, alternating floor and api over
   --rounds rounds so machine noise hits both alike. Only 200 responses are counted.
4. Prints req/s and p50/p95 latency per target for every round, the median round (by
   ratio) and `ratio api/floor` against the 0.70 target. Missing the target does not fail
   the exit code; a broken setup (non-200, wrong item count, server not starting) does.

The client threads share the machine's cores with the server, so absolute figures are
lower than a dedicated load generator would show; the ratio is what to compare.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_PATH = "/api/v1/workflows?page_size=50"
FLOOR_PATH = "/bench/floor"
PAGE_SIZE = 50
TARGET_RATIO = 0.70
HOST = "127.0.0.1"

# Run as a script, Python puts bench/ first on sys.path; the imports need the project root.
sys.path[0] = str(ROOT)


@dataclass
class Target:
    name: str
    path: str
    headers: dict


@dataclass
class Tally:
    """What one load run produced: counts, wall time and latencies of the 200s."""

    ok: int = 0
    other_status: int = 0
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds this process spent per wall second
    latencies: list = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.ok += other.ok
        self.other_status += other.other_status
        self.errors += other.errors
        self.latencies.extend(other.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, pct: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[pct - 1] * 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per target per round")
    parser.add_argument("--rounds", type=int, default=3, help="floor/api rounds; the median is reported")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up requests per target")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--workflows", type=int, default=10_000)
    parser.add_argument("--packs", type=int, default=20)
    return parser.parse_args()


# --- environment and data ----------------------------------------------------------------


def configure_environment(db_path: Path) -> None:
    """Point this process and its children (migrate, gunicorn) at the throwaway database."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # DEBUG on keeps every query in memory and changes error handling: not what runs in
    # production, so the figures would mean nothing.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = HOST
    # `make bench` passes a key; a direct run gets a random one (it only signs bench tokens).
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32))


def migrate() -> None:
    command = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"manage.py migrate failed:\n{result.stdout}{result.stderr}")


def seed(workflows: int, packs: int) -> str:
    """Create the packs, workflows and user; return an access token for the user."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from bench.data import make_packs, make_workflows

    pack_objects = make_packs(packs)
    make_workflows(workflows, pack_objects)
    # An ordinary active user: listing needs authentication but no model permission.
    user = get_user_model().objects.create_user(username="bench", password=None)
    token = str(RefreshToken.for_user(user).access_token)
    # The server owns the database from here; keep no connection open in this process.
    connection.close()
    return token


def describe_environment(args: argparse.Namespace, db_path: Path) -> list[str]:
    import sqlite3

    import django
    import gunicorn
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    db = f"{engine} (SQLite {sqlite3.sqlite_version})" if "sqlite" in engine else engine
    return [
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, gunicorn {gunicorn.__version__}",
        f"DB: {db}, file {db_path}, {args.workflows} workflows in {args.packs} packs",
        f"Server: gunicorn, {args.workers} sync workers, DEBUG={settings.DEBUG}; "
        f"client: {args.concurrency} threads, loopback; CPUs: {os.cpu_count()}",
        f"Load: {args.warmup} warm-up requests per target, then {args.seconds:g} s per target "
        f"x {args.rounds} rounds, floor/api alternating",
        f"api:   GET {API_PATH} with a Bearer access token (JWT auth, count, envelope)",
        f"floor: GET {FLOOR_PATH}, plain Django view, same 50 rows from .values() as "
        "JsonResponse; NO auth, no count query, no envelope",
    ]


# --- server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "attune.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log:
        # DJANGO_SETTINGS_MODULE=bench.settings comes from the environment; attune.wsgi only
        # sets a default, so the server is Attune's own entry point with the floor URL added.
        return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(port: int, server: subprocess.Popen, log_path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited with code {server.returncode}", log_path)
        try:
            status, _ = fetch(http.client.HTTPConnection(HOST, port, timeout=2), "/health", {})
            if status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    fail(f"/health did not answer 200 within {timeout:g} s", log_path)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()  # SIGTERM: gunicorn's graceful shutdown; nothing is in flight now.
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fail(message: str, log_path: Path | None = None) -> None:
    if log_path is not None and log_path.exists():
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        message += "\n--- gunicorn log (tail) ---\n" + "\n".join(tail)
    sys.exit(f"bench failed: {message}")


# --- load --------------------------------------------------------------------------------


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def verify(port: int, target: Target) -> None:
    """Fail loudly unless the target answers 200 with a full page of items."""
    status, body = fetch(http.client.HTTPConnection(HOST, port, timeout=10), target.path, target.headers)
    if status != 200:
        fail(f"{target.name} answered {status}: {body[:500]!r}")
    items = json.loads(body).get("items")
    if not isinstance(items, list) or len(items) != PAGE_SIZE:
        fail(f"{target.name} returned {len(items or [])} items, expected {PAGE_SIZE}: {body[:300]!r}")


def client_loop(port: int, target: Target, quota: int | None, deadline: float | None, tally: Tally) -> None:
    """Send requests until the quota or the deadline is reached, recording each outcome.

    gunicorn's sync workers close the connection after every response; http.client then
    drops its socket and reconnects on the next request, so one HTTPConnection serves the
    whole loop. A connection error is counted and the loop goes on with a fresh socket.
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    sent = 0
    while (quota is None or sent < quota) and (deadline is None or time.perf_counter() < deadline):
        sent += 1
        started = time.perf_counter()
        try:
            status, _ = fetch(conn, target.path, target.headers)
        except (http.client.HTTPException, OSError):
            conn.close()
            tally.errors += 1
            continue
        if status == 200:
            tally.ok += 1
            tally.latencies.append(time.perf_counter() - started)
        else:
            tally.other_status += 1
    conn.close()


def run_load(port: int, target: Target, threads: int, requests: int = 0, seconds: float = 0.0) -> Tally:
    """Load `target` from `threads` threads, for a total request count or for a duration."""
    quota = -(-requests // threads) if requests else None  # ceil: at least `requests` in all
    tallies = [Tally() for _ in range(threads)]
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds if seconds else None
    workers = [
        threading.Thread(target=client_loop, args=(port, target, quota, deadline, tally)) for tally in tallies
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = Tally(elapsed=time.perf_counter() - started)
    # The client shares the cores with the server: show how much it took, so a floor figure
    # capped by the client rather than by the server can be recognised.
    total.client_cpu = (time.process_time() - cpu_started) / total.elapsed
    for tally in tallies:
        total.add(tally)
    return total


def run_rounds(port: int, targets: dict, args: argparse.Namespace) -> list[dict]:
    rounds = []
    for number in range(1, args.rounds + 1):
        # Alternate which target goes first, so neither always runs on a warmer machine.
        order = ("floor", "api") if number % 2 else ("api", "floor")
        results = {}
        for name in order:
            results[name] = run_load(port, targets[name], args.concurrency, seconds=args.seconds)
            print(f"round {number}  {format_tally(name, results[name])}", flush=True)
        if results["floor"].ok == 0 or results["api"].ok == 0:
            fail(f"round {number} got no 200 responses from one target")
        rounds.append(results)
    return rounds


# --- report ------------------------------------------------------------------------------


def format_tally(name: str, tally: Tally) -> str:
    problems = (
        f", {tally.other_status} non-200, {tally.errors} errors" if tally.other_status or tally.errors else ""
    )
    return (
        f"{name:<5} {tally.rate:8.1f} req/s   p50 {tally.percentile_ms(50):6.1f} ms   "
        f"p95 {tally.percentile_ms(95):6.1f} ms   client CPU {tally.client_cpu:4.0%}   "
        f"({tally.ok} x 200{problems})"
    )


def report(rounds: list[dict]) -> None:
    ratios = [r["api"].rate / r["floor"].rate for r in rounds]
    print("ratios per round: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))
    # The median round, not medians of each column: both figures come from the same minute.
    median_index = sorted(range(len(rounds)), key=ratios.__getitem__)[(len(rounds) - 1) // 2]
    median = rounds[median_index]
    print(f"median round ({median_index + 1}):")
    print("  " + format_tally("floor", median["floor"]))
    print("  " + format_tally("api", median["api"]))
    verdict = "meets" if ratios[median_index] >= TARGET_RATIO else "MISSES"
    print(f"ratio api/floor: {ratios[median_index]:.2f} (target >= {TARGET_RATIO:.2f}, {verdict} it)")


def show_log_if_failures(rounds: list[dict], log_path: Path) -> None:
    if any(t.other_status or t.errors for r in rounds for t in r.values()):
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        print("Some requests failed; gunicorn log (tail):\n" + "\n".join(tail))


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    db_path = workdir / "bench.sqlite3"
    log_path = workdir / "gunicorn.log"
    configure_environment(db_path)
    started = time.perf_counter()
    migrate()
    token = seed(args.workflows, args.packs)
    print("\n".join(describe_environment(args, db_path)))
    print(f"Migrated and seeded in {time.perf_counter() - started:.1f} s", flush=True)
    targets = {
        "floor": Target("floor", FLOOR_PATH, {}),
        "api": Target("api", API_PATH, {"Authorization": f"Bearer {token}"}),
    }
    port = free_port()
    server = start_server(port, args.workers, log_path)
    try:
        wait_healthy(port, server, log_path)
        for target in targets.values():
            verify(port, target)
            run_load(port, target, args.concurrency, requests=args.warmup)
        print(f"Server up on {HOST}:{port}; both targets answer 200 with {PAGE_SIZE} items; warmed up")
        rounds = run_rounds(port, targets, args)
        report(rounds)
        show_log_if_failures(rounds, log_path)
    finally:
        stop_server(server)


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as workdir:
        benchmark(args, Path(workdir))


if __name__ == "__main__":
    main()
