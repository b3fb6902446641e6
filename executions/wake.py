"""Waking the embedded workers of this machine the moment a run is scheduled here.

Polling alone finds a new run within ATTUNE_WORKER_POLL_SECONDS. A datagram to
127.0.0.1:ATTUNE_WORKER_WAKE_PORT makes a worker on the same machine look at once; workers on
other machines still find it by polling. Best effort both ways: a datagram lost, or sent by
something else, costs at most one poll (one read of the claim index). Several workers on one
machine share the port (SO_REUSEPORT); each datagram wakes one of them.
"""

import contextlib
import logging
import select
import socket

from django.conf import settings

log = logging.getLogger(__name__)
HOST = "127.0.0.1"


def notify() -> None:
    """Tell a local worker that runs were scheduled (after the commit)."""
    port = settings.ATTUNE_WORKER_WAKE_PORT
    if not port:
        return
    # No worker listening, or its buffer full: the next poll finds the run.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
        sock.sendto(b"w", (HOST, port))


class Waker:
    """What a worker's claim loop sleeps on: its own wake-ups (a thread freed, a stop) and
    the datagrams of `notify()`."""

    def __init__(self, port: int):
        self._inside_r, self._inside_w = socket.socketpair()
        self._inside_w.setblocking(False)
        self._outside = self._listen(port) if port else None
        self._sockets = [self._inside_r] + ([self._outside] if self._outside else [])
        for sock in self._sockets:
            sock.setblocking(False)

    @staticmethod
    def _listen(port: int):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:  # taken by another program: polling still works
            log.warning("cannot listen for wake-ups on %s:%s (%s); polling only", HOST, port, exc)
            sock.close()
            return None
        return sock

    def wake(self) -> None:
        # Full of wake-ups already (one is enough), or closed: the worker has stopped.
        with contextlib.suppress(OSError):
            self._inside_w.send(b"w")

    def wait(self, timeout: float) -> None:
        readable, _, _ = select.select(self._sockets, [], [], timeout)
        for sock in readable:
            with contextlib.suppress(BlockingIOError):  # drained
                while sock.recv(4096):
                    pass

    def close(self) -> None:
        for sock in (*self._sockets, self._inside_w):
            sock.close()
