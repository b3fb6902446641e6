"""Running one child process group to its end: stdin fed, stdout/stderr captured with caps,
stopped on timeout or cancel (SIGTERM to the group, a grace period, SIGKILL).

One thread drives everything through a selector, so a child never blocks on a full pipe and
the caller's cancel is seen within a tick. No `preexec_fn` (unsafe in a threaded worker): the
child gets its own process group from `process_group=0` and its limits from the argv prefix.
"""

import contextlib
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

TICK_SECONDS = 0.05
CHUNK_BYTES = 65536
# After the action exits, its leftovers are killed; output still in the pipes is read for
# at most this long (a process that left the group may hold them open).
DRAIN_SECONDS = 2.0


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    cancelled: bool
    duration_ms: int


class _Capture:
    """Keeps the first `limit` bytes of a stream, reads and drops the rest."""

    def __init__(self, limit: int):
        self.limit, self.chunks, self.size, self.truncated = limit, [], 0, False

    def add(self, chunk: bytes) -> None:
        room = self.limit - self.size
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(room, 0)]
        if chunk:
            self.chunks.append(chunk)
            self.size += len(chunk)

    def text(self) -> str:
        # NUL cannot be stored (PostgreSQL); invalid UTF-8 and a multi-byte character cut by
        # the cap become U+FFFD.
        return b"".join(self.chunks).decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def run_process(argv, *, env, cwd, stdin_data, timeout, cancel, max_output, grace) -> Outcome:
    """Run `argv` until it exits, `timeout` seconds pass or `cancel` is set. Raises OSError
    when it cannot start."""
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - running the pack's action is the point
        argv,
        stdin=subprocess.PIPE if stdin_data else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        process_group=0,
        close_fds=True,
    )
    run = _Run(process, stdin_data, max_output)
    stop, term_sent_at, killed, exited_at = None, None, False, None
    deadline = started + timeout
    while True:
        now = time.monotonic()
        if exited_at is None and process.poll() is not None:
            exited_at = now
            _signal_group(process.pid, signal.SIGKILL)  # whatever it left running
        if exited_at is not None and (run.drained() or now - exited_at > DRAIN_SECONDS):
            break
        if exited_at is None and stop is None:
            stop = "cancel" if cancel.is_set() else "timeout" if now >= deadline else None
            if stop:
                _signal_group(process.pid, signal.SIGTERM)
                term_sent_at = now
        if exited_at is None and term_sent_at is not None and not killed and now - term_sent_at >= grace:
            _signal_group(process.pid, signal.SIGKILL)
            killed = True
        run.pump(TICK_SECONDS)
    run.close()
    out, err = run.captures
    return Outcome(
        returncode=process.returncode,
        stdout=out.text(),
        stderr=err.text(),
        stdout_truncated=out.truncated,
        stderr_truncated=err.truncated,
        timed_out=stop == "timeout",
        cancelled=stop == "cancel",
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pgid, signum)


class _Run:
    """The pipes of one process: stdin written from `stdin_data`, stdout/stderr captured."""

    def __init__(self, process, stdin_data: bytes | None, max_output: int):
        self.process = process
        self.selector = selectors.DefaultSelector()
        self.captures = (_Capture(max_output), _Capture(max_output))
        for stream, capture in zip((process.stdout, process.stderr), self.captures, strict=True):
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, capture)
        self.pending = memoryview(stdin_data or b"")
        if process.stdin is not None:
            os.set_blocking(process.stdin.fileno(), False)
            self.selector.register(process.stdin, selectors.EVENT_WRITE, None)

    def drained(self) -> bool:
        return not any(key.data is not None for key in self.selector.get_map().values())

    def pump(self, wait: float) -> None:
        if not self.selector.get_map():  # nothing left to read: wait for the exit itself
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(wait)
            return
        for key, _events in self.selector.select(wait):
            if key.data is None:
                self._write(key.fileobj)
            else:
                self._read(key.fileobj, key.data)

    def _read(self, stream, capture: _Capture) -> None:
        try:
            chunk = os.read(stream.fileno(), CHUNK_BYTES)
        except BlockingIOError:
            return
        if chunk:
            capture.add(chunk)
        else:
            self._forget(stream)

    def _write(self, stream) -> None:
        try:
            written = os.write(stream.fileno(), self.pending[:CHUNK_BYTES])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):  # the child does not read its stdin
            written = len(self.pending)
        self.pending = self.pending[written:]
        if not self.pending:
            self._forget(stream)  # closing stdin tells the child the parameters are complete

    def _forget(self, stream) -> None:
        self.selector.unregister(stream)
        stream.close()

    def close(self) -> None:
        for key in list(self.selector.get_map().values()):
            self._forget(key.fileobj)
        self.selector.close()
