"""What the HTTP benchmarks share: a throwaway database, a gunicorn server and a load generator.

The load generator is a few threads of http.client on loopback. It shares the machine's
cores with the server, so absolute figures are lower than a dedicated load generator would
show; ratios against a floor measured in the same run are what to compare.
"""

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


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


def fail(message: str, log_path: Path | None = None) -> None:
    if log_path is not None and log_path.exists():
        tail = log_path.read_text(errors="replace").splitlines()[-30:]
        message += "\n--- gunicorn log (tail) ---\n" + "\n".join(tail)
    sys.exit(f"bench failed: {message}")


# --- database ----------------------------------------------------------------------------


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


@contextmanager
def throwaway_database(workdir: Path):
    """Yield the URL of an empty database that is gone afterwards.

    Without a PostgreSQL DATABASE_URL, a SQLite file in `workdir`. With one, a new database
    `attune_bench_<random>` on that server (the URL's role needs CREATEDB); the URL's own
    database is only used to create and drop it.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    import psycopg

    name = f"attune_bench_{secrets.token_hex(4)}"
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            # WITH (FORCE): a gunicorn worker killed mid-request may leave a session behind.
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate() -> None:
    command = [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"manage.py migrate failed:\n{result.stdout}{result.stderr}")


# --- server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "attune.wsgi:application", "--bind", f"{HOST}:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        # DJANGO_SETTINGS_MODULE comes from the environment; attune.wsgi only sets a default,
        # so the server is Attune's own entry point (with the floor URLs under bench.settings).
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


# --- load --------------------------------------------------------------------------------


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def fetch_once(port: int, target: Target) -> tuple[int, bytes]:
    return fetch(http.client.HTTPConnection(HOST, port, timeout=10), target.path, target.headers)


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


def format_tally(name: str, tally: Tally) -> str:
    problems = (
        f", {tally.other_status} non-200, {tally.errors} errors" if tally.other_status or tally.errors else ""
    )
    return (
        f"{name:<20} {tally.rate:8.1f} req/s   p50 {tally.percentile_ms(50):6.1f} ms   "
        f"p95 {tally.percentile_ms(95):6.1f} ms   client CPU {tally.client_cpu:4.0%}   "
        f"({tally.ok} x 200{problems})"
    )
