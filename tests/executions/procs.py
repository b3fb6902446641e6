"""Real worker processes for the worker tests: embedded workers, Celery workers, redis-server.

Children use the test database (committed rows only: the tests that start them use
`transactional_db`) through DATABASE_URL, with short leases so faults show within seconds.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The test run's own wake-up port, so its workers hear this process and no one else.
WAKE_PORT = free_port(socket.SOCK_DGRAM)

# Leases of 2 s renewed every 0.5 s: a killed worker's run is abandoned within ~2.5 s.
FAST = {
    "ATTUNE_WORKER_WAKE_PORT": str(WAKE_PORT),
    "ATTUNE_LEASE_SECONDS": "2",
    "ATTUNE_HEARTBEAT_SECONDS": "0.5",
    "ATTUNE_WORKER_POLL_SECONDS": "0.05",
    "ATTUNE_SWEEP_SECONDS": "0.5",
    "ATTUNE_WORKER_SHUTDOWN_GRACE": "5",
    "DJANGO_LOG_LEVEL": "INFO",
}


def database_url() -> str:
    """The test database (not the developer's) as a DATABASE_URL for a child process."""
    db = connection.settings_dict
    if "sqlite" in db["ENGINE"]:
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def child_env(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ATTUNE_", "CELERY_"))}
    env.update(FAST, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="attune.settings")
    env.setdefault("DJANGO_SECRET_KEY", "test-only")
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


class Child:
    """A child process whose output goes to a file the test can read."""

    def __init__(self, argv: list[str], env: dict, log_path: Path, ready: str, stop_signal=signal.SIGTERM):
        self.log_path = log_path
        self.stop_signal = stop_signal
        with log_path.open("wb") as log:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        wait_for(
            lambda: ready in self.output() or self.proc.poll() is not None, 30, f"'{ready}' in {argv[:4]}"
        )
        if self.proc.poll() is not None:
            raise AssertionError(f"{argv} exited with {self.proc.returncode}:\n{self.output()}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def count(self, text: str) -> int:
        return self.output().count(text)

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def kill(self) -> None:
        """kill -9: no cleanup, no goodbye to the database or the broker."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a test may have left it stopped
            self.proc.send_signal(self.stop_signal)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode


def python(crash_after_finish: bool) -> list[str]:
    """The interpreter a child starts with; `crash_after_finish`: a process that exits hard
    right after it records a run's end, before advancing its workflow (crash_after_finish.py)."""
    wrapper = ["-m", "tests.executions.crash_after_finish"] if crash_after_finish else []
    return [sys.executable, *wrapper]


def embedded_worker(
    tmp_path: Path, *args: str, name: str = "worker", crash_after_finish: bool = False, **env
) -> Child:
    argv = [*python(crash_after_finish), "manage.py", "attune_worker", *args]
    return Child(
        argv, child_env(ATTUNE_ENGINE_TRANSPORT="embedded", **env), tmp_path / f"{name}.log", "serves queues"
    )


def celery_worker(
    tmp_path: Path, broker_url: str, *args: str, name: str = "celery", crash_after_finish: bool = False, **env
) -> Child:
    program = ["celery"] if crash_after_finish else ["-m", "celery"]
    argv = [
        *python(crash_after_finish), *program, "-A", "attune", "worker", "-P", "threads", "-c", "2",
        "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"{name}-{os.getpid()}@%h", *args,
    ]  # fmt: skip
    env = child_env(ATTUNE_ENGINE_TRANSPORT="celery", CELERY_BROKER_URL=broker_url, **env)
    # SIGQUIT: Celery's cold shutdown; the tests are over, there is nothing to wait for.
    return Child(argv, env, tmp_path / f"{name}.log", " ready.", stop_signal=signal.SIGQUIT)


def scheduler(tmp_path: Path, broker_url: str, name: str = "scheduler", **env) -> Child:
    """`manage.py attune_scheduler`: the sweeper beside Celery workers, publishing to `broker_url`."""
    argv = [sys.executable, "manage.py", "attune_scheduler"]
    env = child_env(ATTUNE_ENGINE_TRANSPORT="celery", CELERY_BROKER_URL=broker_url, **env)
    return Child(argv, env, tmp_path / f"{name}.log", "Sweeping every")


def start_redis(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """redis-server on a free loopback port, no persistence; fails loudly when it is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError(
            "redis-server is not installed (apt-get install redis-server): the Celery tests need it"
        )
    port = free_port()
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path), "--save", "",
            "--appendonly", "no"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, 10, "redis-server to answer PING")
    return proc, f"redis://127.0.0.1:{port}/0"
