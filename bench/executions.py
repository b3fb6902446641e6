"""Execution round trips and throughput, embedded and Celery, against a raw Celery floor.

Run from the project root (needs redis-server on the PATH):

    DJANGO_SECRET_KEY=any .venv/bin/python bench/executions.py
    # options: --round-trips 100 --rounds 3 --burst 500 --workers 2 --concurrency 4

What it does, in one run so every ratio compares figures from the same minutes:

1. A throwaway SQLite database (or --database-url, an empty PostgreSQL database), migrated,
   with a pack `bench` holding the built-in `bench.noop`; a redis-server on a free loopback
   port; a plain Celery worker for the floor (bench/celery_floor.py, result backend on).
2. Round trips, one at a time: floor = `noop.apply_async().get()` of the plain Celery app;
   attune = `start_execution(bench.noop)` to the row's `finished_at` (status `completed`).
   First through embedded workers (`manage.py attune_worker`, woken by the loopback datagram
   of executions.wake, so this is the same-machine figure), then through Celery workers
   (`celery -A attune worker -P threads`), floor and attune alternating over --rounds rounds.
   Target: attune's median <= 3 x floor + 5 ms.
3. A burst of --burst executions started in one transaction, per transport: runs/s from the
   first start to the last finish, and duplicates = claims beyond one per run (counted from
   the workers' logs; 0 is the only right answer).
4. Subprocess overhead: a `shell` action through `executions.runners.run_action` against
   spawning the same /bin/sh script directly (target <= +20 ms); "n/a" while the runners
   have no `shell` runner.

Missing a target does not fail the exit code; a broken setup (a run not completing, a worker
not starting) does.
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
sys.path[0] = str(ROOT)  # run as a script, Python puts bench/ first; the imports need the root


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=100, help="round trips per target per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst", type=int, default=500, help="executions started at once")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per transport")
    parser.add_argument("--concurrency", type=int, default=4, help="threads per worker process")
    parser.add_argument("--spawns", type=int, default=30, help="subprocess runs per target")
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database instead of SQLite")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fail(message: str) -> None:
    sys.exit(f"bench failed: {message}")


class Child:
    """A child process logging to a file; `ready` is the line that says it serves."""

    def __init__(
        self, name: str, argv: list[str], workdir: Path, ready: str, stop_signal: int = 15, env=None
    ):
        self.log_path = workdir / f"{name}.log"
        self.stop_signal = stop_signal
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while ready not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                fail(f"{name} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- setup -------------------------------------------------------------------------------


def configure_environment(workdir: Path, args: argparse.Namespace, redis_url: str) -> None:
    """This process and every child use the throwaway database and the bench's Redis."""
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "attune.settings"
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not production
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32))
    os.environ["CELERY_BROKER_URL"] = redis_url
    os.environ["BENCH_REDIS_URL"] = redis_url
    os.environ["ATTUNE_ENGINE_TRANSPORT"] = "embedded"
    # Its own wake-up port: a `make run` worker on this machine must not take the wake-ups.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        os.environ["ATTUNE_WORKER_WAKE_PORT"] = str(sock.getsockname()[1])
    os.environ["DJANGO_LOG_LEVEL"] = "INFO"  # the workers log each claim: duplicates are counted from it


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("redis-server") or fail(
        "redis-server is not installed (apt-get install redis-server)"
    )
    port = free_port()
    argv = [
        binary,
        "--bind",
        HOST,
        "--port",
        str(port),
        "--dir",
        str(workdir),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://{HOST}:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return proc, url
        except OSError:
            if time.monotonic() > deadline:
                fail("redis-server did not start")
            time.sleep(0.05)


def migrate_and_seed():
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        fail(f"manage.py migrate failed:\n{result.stdout}{result.stderr}")
    import django

    django.setup()
    from actions.models import Action
    from packs.models import Pack

    pack = Pack.objects.create(ref="bench", label="Bench", version="1.0.0")
    return Action.objects.create(
        ref="bench.noop", pack=pack, label="Noop", runner_type="builtin", entry_point="noop"
    )


def embedded_workers(workdir: Path, args) -> list[Child]:
    argv = [sys.executable, "manage.py", "attune_worker", "--concurrency", str(args.concurrency)]
    return [Child(f"embedded{n}", argv, workdir, "serves queues") for n in range(args.workers)]


def celery_workers(workdir: Path, args, app: str, queue: str, count: int) -> list[Child]:
    env = dict(os.environ)
    if app != "attune":
        env.pop("DJANGO_SETTINGS_MODULE")  # the floor is plain Celery: no Django fixup either
    children = []
    for n in range(count):
        argv = [sys.executable, "-m", "celery", "-A", app, "worker", "-P", "threads", "-c", str(args.concurrency),
                "-Q", queue, "-n", f"{queue}{n}-{os.getpid()}@%h", "-l", "info",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        children.append(Child(f"{queue}{n}", argv, workdir, " ready.", stop_signal=3, env=env))  # 3: SIGQUIT
    return children


# --- measurements ------------------------------------------------------------------------


def wait_terminal(execution_ids: list[int], timeout: float, interval: float) -> None:
    from executions.models import TERMINAL, Execution

    deadline = time.monotonic() + timeout
    pending = set(execution_ids)
    while pending:
        done = Execution.objects.filter(id__in=pending, status__in=TERMINAL).values_list("id", flat=True)
        pending -= set(done)
        if pending and time.monotonic() > deadline:
            fail(f"{len(pending)} executions did not finish within {timeout:g}s")
        if pending:
            time.sleep(interval)
    failed = Execution.objects.filter(id__in=execution_ids).exclude(status="completed").count()
    if failed:
        fail(f"{failed} executions did not complete")


def attune_round_trip(action) -> float:
    """From the call to the row's finished_at: the worker's clock, on this machine. Reading
    the row back in a tight loop would load the database the run itself needs (PostgreSQL:
    a network round trip per read), so the bench looks only every 2 ms."""
    from executions.models import Execution
    from executions.service import start_execution

    started = time.time()
    execution = start_execution(action, {})
    wait_terminal([execution.id], 30, 0.002)
    return Execution.objects.get(id=execution.id).finished_at.timestamp() - started


def floor_round_trip() -> float:
    from bench.celery_floor import noop

    started = time.perf_counter()
    noop.apply_async().get(timeout=30)
    return time.perf_counter() - started


def compare_round_trips(label: str, action, args) -> tuple[float, float]:
    """Alternating rounds of floor and attune; the medians over all round trips, in ms."""
    samples = {"floor": [], label: []}
    for _ in range(5):  # warm-up: connections, imports, the workers' first claims
        floor_round_trip()
        attune_round_trip(action)
    for number in range(1, args.rounds + 1):
        order = ("floor", label) if number % 2 else (label, "floor")
        for name in order:
            measure = floor_round_trip if name == "floor" else (lambda: attune_round_trip(action))
            taken = [measure() * 1000 for _ in range(args.round_trips)]
            samples[name].extend(taken)
            print(f"round {number}  {name:<9} median {statistics.median(taken):7.2f} ms   "
                  f"p95 {percentile(taken, 95):7.2f} ms", flush=True)  # fmt: skip
    floor, attune = statistics.median(samples["floor"]), statistics.median(samples[label])
    target = 3 * floor + 5
    verdict = "meets" if attune <= target else "MISSES"
    print(f"{label}: median {attune:.2f} ms against floor {floor:.2f} ms = {attune / floor:.1f}x "
          f"(target <= 3 x floor + 5 ms = {target:.2f} ms, {verdict} it)")  # fmt: skip
    return floor, attune


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def burst(label: str, action, workers: list[Child], count: int) -> None:
    from django.db import transaction
    from django.db.models import Max, Min

    from executions.models import Execution
    from executions.service import start_execution

    with transaction.atomic():
        ids = [start_execution(action, {}).id for _ in range(count)]
    wait_terminal(ids, 300, 0.02)
    span = Execution.objects.filter(id__in=ids).aggregate(first=Min("created"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    claims = Counter()
    for worker in workers:
        claims.update(int(n) for n in re.findall(r"execution (\d+): claimed by", worker.output()))
    claims = Counter({execution_id: claims[execution_id] for execution_id in ids})
    duplicates = sum(n - 1 for n in claims.values() if n > 1)
    unclaimed = sum(1 for n in claims.values() if n == 0)
    print(f"{label}: {count} concurrent noop executions in {seconds:.2f} s = {count / seconds:.0f} runs/s; "
          f"duplicates {duplicates}, runs without a logged claim {unclaimed}", flush=True)  # fmt: skip


def subprocess_overhead(workdir: Path, spawns: int) -> None:
    from executions.runners import RUNNERS

    if "shell" not in RUNNERS:
        print("subprocess overhead: n/a: shell runner not available")
        return
    from actions.models import Action
    from executions.runners import RunContext, run_action
    from packs.models import Pack

    pack_dir = workdir / "packs" / "benchsh"
    (pack_dir / "actions").mkdir(parents=True)
    script = pack_dir / "actions" / "noop.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    pack = Pack.objects.create(ref="benchsh", label="Bench shell", version="1.0.0", source_dir=str(pack_dir))
    action = Action.objects.create(
        ref="benchsh.noop", pack=pack, label="Noop", runner_type="shell", entry_point="noop.sh"
    )

    def through_runner() -> float:
        started = time.perf_counter()
        result = run_action(
            RunContext(execution_id=0, attempt=0, action=action, parameters={}, timeout_seconds=30)
        )
        if not result.get("succeeded"):
            fail(f"the shell action failed: {result.get('error') or result.get('stderr')}")
        return time.perf_counter() - started

    def direct() -> float:
        started = time.perf_counter()
        subprocess.run(["/bin/sh", str(script)], check=True)
        return time.perf_counter() - started

    through_runner(), direct()
    runner = statistics.median(through_runner() * 1000 for _ in range(spawns))
    floor = statistics.median(direct() * 1000 for _ in range(spawns))
    verdict = "meets" if runner - floor <= 20 else "MISSES"
    print(f"subprocess overhead: shell action {runner:.1f} ms, /bin/sh directly {floor:.1f} ms: "
          f"+{runner - floor:.1f} ms (target <= +20 ms, {verdict} it)")  # fmt: skip


# --- the run -----------------------------------------------------------------------------


def benchmark(args: argparse.Namespace, workdir: Path, redis_url: str, children: list) -> None:
    action = migrate_and_seed()
    from django.conf import settings
    from django.db import connection

    print(f"Python {sys.version.split()[0]}, DB {connection.vendor}, Redis on {redis_url}, CPUs {os.cpu_count()}; "
          f"{args.workers} workers x {args.concurrency} threads per transport")  # fmt: skip
    children += celery_workers(workdir, args, "bench.celery_floor", "floor", 1)

    embedded = embedded_workers(workdir, args)
    children += embedded
    print(f"== embedded (poll {settings.ATTUNE_WORKER_POLL_SECONDS:g} s)", flush=True)
    compare_round_trips("embedded", action, args)
    burst("embedded", action, embedded, args.burst)
    for worker in embedded:
        worker.stop()  # they would claim the Celery runs from the table too

    settings.ATTUNE_ENGINE_TRANSPORT = "celery"
    distributed = celery_workers(workdir, args, "attune", "attune.run", args.workers)
    children += distributed
    print("== celery", flush=True)
    compare_round_trips("celery", action, args)
    burst("celery", action, distributed, args.burst)

    subprocess_overhead(workdir, args.spawns)


def run_benchmark(prefix: str, args: argparse.Namespace, benchmark) -> None:
    """`benchmark(args, workdir, redis_url, children)` in a throwaway directory with its own
    Redis and environment; every child process it appends to `children` is stopped after."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        workdir = Path(name)
        redis, redis_url = start_redis(workdir)
        children: list[Child] = []
        try:
            configure_environment(workdir, args, redis_url)
            benchmark(args, workdir, redis_url, children)
        finally:
            for child in children:
                child.stop()
            redis.terminate()
            redis.wait()


def main() -> None:
    run_benchmark("attune-bench-", parse_args(), benchmark)


if __name__ == "__main__":
    main()
