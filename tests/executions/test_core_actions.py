"""Every core action, run through the runner contract; core.http against a real local server."""

import base64
import contextlib
import json
import logging
import shutil
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from executions.models import Execution, Status
from executions.runners.http import host_allowed
from executions.service import start_execution
from packs.models import Pack
from tests.executions.runner_helpers import make_action, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def core(make_pack):
    """The core pack's actions: the installed ones when the core pack is installed, else rows
    made here (a test may give fields, used only then)."""
    pack = Pack.objects.filter(ref="core").first() or make_pack("core")

    def action(name, **fields):
        found = pack.actions.filter(ref=f"core.{name}").first()
        return found or make_action(pack, name, "builtin", name, **fields)

    return action


class _Handler(BaseHTTPRequestHandler):
    """/json → a JSON body; /text → text; /status/N → that status; /redirect → /json;
    /echo → the request as JSON; /slow → after 2 s."""

    def log_message(self, *args):
        pass

    def _send(self, status, body: bytes, content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _route(self):
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length).decode() if length else ""
        if self.path.startswith("/json"):
            self._send(200, b'{"id": 7, "name": "x"}', headers=[("X-Trace", "abc")])
        elif self.path.startswith("/text"):
            self._send(200, b"plain words", "text/plain; charset=utf-8")
        elif self.path.startswith("/status/"):
            code = int(self.path.rsplit("/", 1)[1])
            self._send(code, json.dumps({"code": code}).encode())
        elif self.path.startswith("/redirect"):
            self._send(302, b"", headers=[("Location", "/json")])
        elif self.path.startswith("/slow"):
            time.sleep(2)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self._send(200, b"{}")
        else:
            request = {
                "method": self.command,
                "path": self.path,
                "body": received,
                "headers": dict(self.headers),
            }
            self._send(200, json.dumps(request).encode())

    do_GET = do_POST = do_PUT = do_DELETE = _route


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.block_on_close = False  # /slow may still be answering a client that gave up
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# --- noop, echo, log, sleep, fail --------------------------------------------------------


def test_noop_succeeds_with_empty_data(core):
    result = run(core("noop"))
    assert (result["succeeded"], result["exit_code"], result["data"], result["error"]) == (True, 0, {}, None)


def test_echo_puts_exactly_the_message_on_stdout(core):
    result = run(core("echo"), {"message": "  hello\nworld  "})
    assert result["succeeded"] is True
    assert result["stdout"] == "  hello\nworld  "
    assert result["data"] is None


def test_log_writes_through_python_logging_at_the_level_given(core, caplog):
    with caplog.at_level(logging.DEBUG, logger="attune.actions"):
        result = run(core("log"), {"message": "disk almost full", "level": "warning"})
    assert result["succeeded"] is True
    [record] = [r for r in caplog.records if r.name == "attune.actions"]
    assert (record.levelname, record.getMessage()) == ("WARNING", "disk almost full (execution 7)")


def test_sleep_sleeps_the_seconds_asked(core):
    started = time.monotonic()
    result = run(core("sleep"), {"seconds": 0.3})
    assert result["succeeded"] is True
    assert 0.3 <= time.monotonic() - started < 2


def test_sleep_stops_on_cancel(core):
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    result = run(core("sleep"), {"seconds": 30}, cancel=cancel)
    assert time.monotonic() - started < 2
    assert result["cancelled"] is True and result["succeeded"] is False


def test_sleep_longer_than_its_timeout_times_out(core):
    started = time.monotonic()
    result = run(core("sleep"), {"seconds": 30}, timeout=1)
    assert time.monotonic() - started < 2
    assert (result["timed_out"], result["exit_code"], result["error"]) == (
        True,
        -1,
        "timed out after 1 seconds",
    )


def test_fail_fails_with_the_message_as_error(core):
    result = run(core("fail"), {"message": "deliberate"})
    assert (result["succeeded"], result["error"], result["exit_code"]) == (False, "deliberate", 1)


def test_an_unknown_builtin_fails(core):
    result = run(core("teleport"))
    assert result["succeeded"] is False and result["error"] == "'teleport' is not a built-in action"


def test_echo_runs_end_to_end_through_an_execution(core, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        execution = start_execution(core("echo"), {"message": "hi there"})
    execution = Execution.objects.get(pk=execution.pk)
    assert execution.status == Status.COMPLETED
    assert execution.result["stdout"] == "hi there"


def test_fail_ends_an_execution_failed(core, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        execution = start_execution(core("fail"), {"message": "nope"})
    execution.refresh_from_db()
    assert (execution.status, execution.result["error"]) == (Status.FAILED, "nope")


# --- core.http ---------------------------------------------------------------------------


def test_http_get_parses_a_json_body(core, server):
    result = run(core("http"), {"url": f"{server}/json"})
    assert result["succeeded"] is True, result
    assert result["data"]["status"] == 200
    assert result["data"]["body"] == {"id": 7, "name": "x"}
    assert result["data"]["headers"]["X-Trace"] == "abc"
    assert result["status"] == 200 and result["body"]["id"] == 7  # data's keys at the top level


def test_http_keeps_a_text_body_as_text(core, server):
    result = run(core("http"), {"url": f"{server}/text"})
    assert result["data"]["body"] == "plain words"


def test_http_sends_method_headers_query_and_json(core, server):
    params = {
        "url": f"{server}/echo",
        "method": "POST",
        "headers": {"X-Custom": "1"},
        "query": {"q": "a b", "n": [1, 2]},
        "json": {"k": "v"},
    }
    seen = run(core("http"), params)["data"]["body"]
    assert seen["method"] == "POST"
    assert seen["path"] == "/echo?q=a+b&n=1&n=2"
    assert json.loads(seen["body"]) == {"k": "v"}
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["headers"]["X-Custom"] == "1"


def test_http_sends_an_object_body_as_json(core, server):
    params = {"url": f"{server}/echo", "method": "POST", "body": {"title": "x", "tags": ["a"]}}
    seen = run(core("http"), params)["data"]["body"]
    assert json.loads(seen["body"]) == {"title": "x", "tags": ["a"]}
    assert seen["headers"]["Content-Type"] == "application/json"


def test_http_body_of_another_type_is_refused(core, server):
    result = run(core("http"), {"url": f"{server}/echo", "body": 3})
    assert result["succeeded"] is False and "body" in result["error"]


def test_http_sends_a_text_body(core, server):
    seen = run(core("http"), {"url": f"{server}/echo", "method": "PUT", "body": "raw text"})["data"]["body"]
    assert (seen["method"], seen["body"]) == ("PUT", "raw text")


def test_http_body_and_json_together_are_refused(core, server):
    result = run(core("http"), {"url": f"{server}/echo", "body": "a", "json": {}})
    assert result["succeeded"] is False and "not both" in result["error"]


def test_http_status_outside_the_allowed_ones_fails_with_data(core, server):
    result = run(core("http"), {"url": f"{server}/status/404"})
    assert result["succeeded"] is False
    assert result["error"] == "HTTP status 404 is not an allowed status"
    assert result["data"]["status"] == 404 and result["data"]["body"] == {"code": 404}


def test_http_allowed_status_accepts_the_listed_codes(core, server):
    result = run(core("http"), {"url": f"{server}/status/404", "allowed_status": [200, 404]})
    assert result["succeeded"] is True
    assert run(core("http"), {"url": f"{server}/json", "allowed_status": [201]})["succeeded"] is False


def test_http_follows_redirects_to_allowed_hosts(core, server):
    result = run(core("http"), {"url": f"{server}/redirect"})
    assert result["data"]["body"] == {"id": 7, "name": "x"}
    assert result["data"]["url"].endswith("/json")


def test_http_refuses_a_host_outside_the_allowlist_before_connecting(core, server, settings):
    settings.ATTUNE_HTTP_ALLOWED_HOSTS = ["api.example.com"]
    result = run(core("http"), {"url": f"{server}/json"})
    assert result["succeeded"] is False
    assert result["error"] == "host '127.0.0.1' is not in ATTUNE_HTTP_ALLOWED_HOSTS"
    assert result["data"] is None


def test_http_refuses_a_redirect_to_a_host_outside_the_allowlist(core, server, settings):
    settings.ATTUNE_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    result = run(core("http"), {"url": f"{server}/redirect".replace("127.0.0.1", "localhost")})
    assert result["succeeded"] is False and "'localhost'" in result["error"]
    settings.ATTUNE_HTTP_ALLOWED_HOSTS = ["localhost"]
    result = run(core("http"), {"url": f"{server}/redirect".replace("127.0.0.1", "localhost")})
    assert result["succeeded"] is True


def test_http_refuses_other_schemes(core):
    result = run(core("http"), {"url": "file:///etc/passwd"})
    assert result["succeeded"] is False and "not an http(s) URL" in result["error"]


def test_http_times_out(core, server):
    started = time.monotonic()
    result = run(core("http"), {"url": f"{server}/slow", "timeout": 0.3})
    assert time.monotonic() - started < 1.5
    assert result["succeeded"] is False and result["error"].startswith("request failed")


def test_http_connection_refused_fails(core, server):
    httpd_port = server.rsplit(":", 1)[1]
    closed = f"http://127.0.0.1:{int(httpd_port) + 1 if int(httpd_port) < 65535 else 1}/"
    result = run(core("http"), {"url": closed, "timeout": 2})
    assert result["succeeded"] is False and result["error"].startswith("request failed")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The same handler over HTTPS with a self-signed certificate no CA vouches for."""
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.block_on_close = False
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_verifies_certificates_by_default(core, tls_server):
    result = run(core("http"), {"url": f"{tls_server}/json"})
    assert result["succeeded"] is False
    assert "CERTIFICATE_VERIFY_FAILED" in result["error"]


def test_http_verify_ssl_false_accepts_an_unverified_certificate(core, tls_server):
    result = run(core("http"), {"url": f"{tls_server}/json", "verify_ssl": False})
    assert result["succeeded"] is True and result["data"]["body"] == {"id": 7, "name": "x"}


def test_http_request_verify_ssl_false_too(core, tls_server):
    assert run(core("http_request"), {"url": f"{tls_server}/json"})["succeeded"] is False
    assert run(core("http_request"), {"url": f"{tls_server}/json", "verify_ssl": False})["succeeded"] is True


@pytest.mark.parametrize(
    ("host", "patterns", "allowed"),
    [
        ("api.example.com", ["*"], True),
        ("api.example.com", ["*.example.com"], True),
        ("example.com", ["*.example.com"], False),
        ("evilexample.com", ["*.example.com"], False),
        ("API.Example.com", ["api.example.com"], True),
        ("other.com", ["api.example.com", "*.example.com"], False),
        ("anything", [], False),
    ],
)
def test_host_allowlist_patterns(host, patterns, allowed):
    assert host_allowed(host, patterns) is allowed


# --- core.http_request (Attune's) ----------------------------------------------------------


def test_http_request_has_attunes_output_fields(core, server):
    result = run(core("http_request"), {"url": f"{server}/json", "query_params": {"a": "1"}})
    assert result["succeeded"] is True
    data = result["data"]
    assert set(data) == {"status_code", "headers", "body", "json", "elapsed_ms", "url", "success"}
    assert data["status_code"] == 200 and data["success"] is True
    assert data["body"] == '{"id": 7, "name": "x"}'
    assert data["json"] == {"id": 7, "name": "x"}
    assert data["url"].endswith("/json?a=1")


def test_http_request_text_body_has_null_json(core, server):
    data = run(core("http_request"), {"url": f"{server}/text"})["data"]
    assert (data["body"], data["json"]) == ("plain words", None)


def test_http_request_non_2xx_fails(core, server):
    result = run(core("http_request"), {"url": f"{server}/status/500"})
    assert result["succeeded"] is False
    assert (result["data"]["status_code"], result["data"]["success"]) == (500, False)


def test_http_request_sends_json_body_and_bearer_token_masked_in_the_result(core, server):
    action = core(
        "http_request",
        parameters={
            "url": {"type": "string"},
            "json_body": {"type": "object"},
            "auth_type": {"type": "string"},
            "auth_token": {"type": "string", "secret": True},
        },
    )
    params = {
        "url": f"{server}/echo",
        "method": "POST",
        "json_body": {"x": 1},
        "auth_type": "bearer",
        "auth_token": "tok-123",
    }
    seen = run(action, params)["data"]["json"]
    assert seen["method"] == "POST"
    assert json.loads(seen["body"]) == {"x": 1}
    assert seen["headers"]["Authorization"] == "Bearer ********"


def test_http_request_basic_auth(core, server):
    params = {"url": f"{server}/echo", "auth_type": "basic", "auth_username": "u", "auth_password": "pw-123"}
    seen = run(core("http_request"), params)["data"]["json"]
    assert seen["headers"]["Authorization"] == "Basic " + base64.b64encode(b"u:pw-123").decode()


def test_http_request_without_following_redirects_returns_the_3xx(core, server):
    result = run(core("http_request"), {"url": f"{server}/redirect", "follow_redirects": False})
    assert result["data"]["status_code"] == 302 and result["succeeded"] is False


def test_http_request_max_redirects_0_follows_none(core, server):
    result = run(core("http_request"), {"url": f"{server}/redirect", "max_redirects": 0})
    assert result["data"]["status_code"] == 302
    assert run(core("http_request"), {"url": f"{server}/redirect", "max_redirects": 1})["succeeded"] is True


def test_http_request_that_cannot_connect_reports_status_0(core, settings):
    settings.ATTUNE_HTTP_ALLOWED_HOSTS = ["allowed.example"]
    result = run(core("http_request"), {"url": "http://denied.example/"})
    assert result["succeeded"] is False
    assert result["data"]["status_code"] == 0 and result["data"]["success"] is False
    assert "not in ATTUNE_HTTP_ALLOWED_HOSTS" in result["data"]["error"]


# --- core.local ----------------------------------------------------------------------------


def test_local_runs_a_shell_command_for_a_permitted_executor(core, make_user, tmp_path):
    user = make_user("ops", perms=["executions.run_local_command"])
    result = run(
        core("local"),
        {"cmd": "pwd; echo $GREETING; exit 3", "cwd": str(tmp_path), "env": {"GREETING": "hi"}},
        executor=user,
    )
    assert result["stdout"] == f"{tmp_path}\nhi\n"
    assert (result["succeeded"], result["exit_code"], result["error"]) == (False, 3, "exited with code 3")


def test_local_is_allowed_for_superusers(core, make_user):
    result = run(core("local"), {"cmd": "echo ok"}, executor=make_user("root", superuser=True))
    assert (result["succeeded"], result["stdout"]) == (True, "ok\n")


def test_local_is_refused_without_the_permission(core, make_user, tmp_path):
    marker = tmp_path / "ran"
    result = run(core("local"), {"cmd": f"touch {marker}"}, executor=make_user("plain"))
    assert result["succeeded"] is False
    assert "executions.run_local_command" in result["error"]
    assert not marker.exists()


def test_local_is_refused_without_an_executor(core, tmp_path):
    marker = tmp_path / "ran"
    result = run(core("local"), {"cmd": f"touch {marker}"})
    assert result["succeeded"] is False and not marker.exists()


def test_local_has_the_built_environment_and_no_server_secret(core, make_user, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "server-secret-key")
    result = run(
        core("local"),
        {"cmd": "env", "env": {"DATABASE_URL": "x", "OK": "1"}},
        executor=make_user("r", superuser=True),
    )
    names = {line.split("=", 1)[0] for line in result["stdout"].splitlines()}
    assert "DJANGO_SECRET_KEY" not in names and "DATABASE_URL" not in names
    assert {"OK", "ATTUNE_EXEC_ID", "HOME"} <= names


def test_local_timeout_kills_the_command(core, make_user, settings):
    settings.ATTUNE_ACTION_KILL_GRACE_SECONDS = 0.5
    started = time.monotonic()
    result = run(core("local"), {"cmd": "sleep 30", "timeout": 1}, executor=make_user("r", superuser=True))
    assert time.monotonic() - started < 4
    assert result["timed_out"] is True and result["error"] == "timed out after 1 seconds"


def test_local_refuses_a_missing_cwd(core, make_user):
    result = run(
        core("local"), {"cmd": "true", "cwd": "/no/such/dir"}, executor=make_user("r", superuser=True)
    )
    assert result["succeeded"] is False and "not a directory" in result["error"]
