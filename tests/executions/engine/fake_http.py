"""A local HTTP server standing in for the external services the example workflows call.

It runs in a thread on 127.0.0.1 (a free port), records every request it receives and
answers each with JSON chosen per (method, path), so no test reaches the network.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Received:
    """One request as the server saw it; `body` is parsed JSON when it parses, else text."""

    method: str
    path: str
    headers: dict
    body: object


@dataclass
class FakeServer:
    """Answers `{"ok": true}` unless `answer` or `answer_in_turn` said otherwise."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: dict = field(default_factory=dict)

    def answer(self, method: str, path: str, body, status: int = 200) -> None:
        self.answers[(method, path)] = [(status, body)]

    def answer_in_turn(self, method: str, path: str, *answers: tuple[int, object]) -> None:
        """Each (status, body) answers one request; the last one answers the rest."""
        self.answers[(method, path)] = list(answers)

    def calls(self) -> list[tuple]:
        """(method, path, body) of each request, in the order they arrived."""
        return [(r.method, r.path, r.body) for r in self.requests]

    def paths(self) -> list[tuple]:
        return [(r.method, r.path) for r in self.requests]

    def respond(self, method: str, path: str) -> tuple[int, object]:
        answers = self.answers.get((method, path)) or [(200, {"ok": True})]
        return answers.pop(0) if len(answers) > 1 else answers[0]


def _parse(raw: bytes):
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _handler(server: FakeServer):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = _parse(self.rfile.read(length))
            path = urlsplit(self.path).path
            server.requests.append(Received(self.command, path, dict(self.headers), body))
            status, answer = server.respond(self.command, path)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


def start_fake_server() -> tuple[FakeServer, ThreadingHTTPServer]:
    fake = FakeServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return fake, httpd
