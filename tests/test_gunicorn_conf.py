"""The shipped gunicorn.conf.py, run as the README runs it: a real gunicorn on a loopback port."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
PATH = "/api/v1/no-such-endpoint"  # answered by the middleware, no database needed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, timeout: float = 5.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", PATH)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.fixture
def start_gunicorn():
    started = []

    def start(*flags):
        port = free_port()
        env = {**os.environ, "DJANGO_SECRET_KEY": "test-only", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
        command = [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", *flags]
        process = subprocess.Popen(  # noqa: S603 - our gunicorn, arguments fixed by the test
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                get(port, timeout=2)
                return port
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start within 30 s")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def hold_slow_clients(port: int) -> list[socket.socket]:
    """Two sockets that connect and say nothing, one that stops halfway through its headers."""
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    sockets[2].sendall(b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.5)  # let the worker accept them all before the real request
    return sockets


def test_a_request_is_answered_quickly_while_three_slow_clients_hold_connections(start_gunicorn):
    port = start_gunicorn("--workers", "1")  # one process: only its threads can save it
    sockets = hold_slow_clients(port)
    try:
        started = time.monotonic()
        response, body = get(port, timeout=5)
        elapsed = time.monotonic() - started
    finally:
        for sock in sockets:
            sock.close()
    assert response.status == 404
    assert b'"code": "NOT_FOUND"' in body
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


def test_the_sync_worker_the_conf_replaces_hangs_on_the_same_clients(start_gunicorn):
    # With threads > 1 gunicorn would silently pick gthread again.
    port = start_gunicorn("--workers", "1", "--worker-class", "sync", "--threads", "1")
    sockets = hold_slow_clients(port)
    try:
        with pytest.raises(TimeoutError):
            get(port, timeout=2)
    finally:
        for sock in sockets:
            sock.close()


def test_gunicorn_sends_no_server_header_and_the_security_headers(start_gunicorn):
    port = start_gunicorn("--workers", "1")
    response, _ = get(port)
    headers = {name.lower(): value for name, value in response.getheaders()}
    assert "server" not in headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_what_the_proxy_lets_through_reaches_django_not_gunicorns_html_pages(start_gunicorn):
    # nginx (README) passes request lines and header lines up to 4 KiB and any number of
    # headers; gunicorn's defaults (4094-byte line, 100 fields) would answer HTML 414/400.
    port = start_gunicorn("--workers", "1")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest("GET", PATH + "/" + "x" * 4080)
        for index in range(300):
            connection.putheader(f"X-Extra-{index}", "y")
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 404
    assert response.getheader("Content-Type") == "application/json"
    assert b'"code": "NOT_FOUND"' in body
