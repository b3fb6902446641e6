"""core.http and core.http_request: HTTP calls made from the worker's process (urllib).

The host allowlist (ATTUNE_HTTP_ALLOWED_HOSTS) is checked before connecting, for the URL and
for every redirect; responses are read up to ATTUNE_ACTION_MAX_OUTPUT_BYTES.
"""

import base64
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from executions.runners.results import failed_result, result_object


class RequestRefused(Exception):
    """The request is not made: a bad URL, a host outside the allowlist, bad parameters."""


@dataclass
class Response:
    status: int
    headers: dict
    raw: bytes
    truncated: bool
    url: str
    elapsed_ms: int
    content_type: str
    charset: str


def host_allowed(host: str, patterns=None) -> bool:
    """`*` allows any host, `*.example.com` its subdomains, anything else one exact host."""
    host = (host or "").lower().rstrip(".")
    for pattern in settings.ATTUNE_HTTP_ALLOWED_HOSTS if patterns is None else patterns:
        pattern = pattern.strip().lower().rstrip(".")
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestRefused(f"'{url}' is not an http(s) URL")
    if not host_allowed(parts.hostname):
        raise RequestRefused(f"host '{parts.hostname}' is not in ATTUNE_HTTP_ALLOWED_HOSTS")


class _Redirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, follow: bool, limit: int):
        # urllib's own max_redirections never stops the first redirect: count them here.
        self.follow, self.limit = follow, limit

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        followed = getattr(req, "redirects_followed", 0)
        if not self.follow or followed >= self.limit:
            return None  # the 3xx response is the answer
        _check_url(newurl)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.redirects_followed = followed + 1
        return new


def send(
    url,
    *,
    method="GET",
    headers=None,
    query=None,
    body=None,
    timeout=30,
    verify_ssl=True,
    follow_redirects=True,
    max_redirects=10,
) -> Response:
    """Make one request; raises RequestRefused before connecting, OSError when it fails."""
    if query:
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        url = url + separator + urllib.parse.urlencode(query, doseq=True)
    _check_url(url)
    # _check_url allowed only http(s) to an allowed host; redirects are checked the same way.
    request = urllib.request.Request(url, data=body, method=str(method).upper(), headers=dict(headers or {}))  # noqa: S310
    tls = ssl.create_default_context()
    if not verify_ssl:
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=tls), _Redirects(follow_redirects, max_redirects)
    )
    limit = settings.ATTUNE_ACTION_MAX_OUTPUT_BYTES
    started = time.monotonic()
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:  # a non-2xx answer is still an answer
        response = exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, RequestRefused):
            raise exc.reason from None
        raise OSError(str(exc.reason)) from None
    with response:
        raw = response.read(limit + 1)
        return Response(
            status=response.status,
            headers=_headers(response.headers),
            raw=raw[:limit],
            truncated=len(raw) > limit,
            url=response.url,
            elapsed_ms=int((time.monotonic() - started) * 1000),
            content_type=response.headers.get_content_type(),
            charset=response.headers.get_content_charset() or "utf-8",
        )


def _headers(message) -> dict:
    headers = {}
    for name, value in message.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _text(response: Response) -> str:
    try:
        return response.raw.decode(response.charset, errors="replace").replace("\x00", "\ufffd")
    except LookupError:  # an unknown charset name
        return response.raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _json(response: Response):
    if response.truncated or not (
        response.content_type == "application/json" or response.content_type.endswith("+json")
    ):
        return None
    try:
        return json.loads(_text(response))
    except ValueError:
        return None


def _timeout(context, value) -> float:
    seconds = float(value) if value else 30.0
    return max(0.001, min(seconds, float(context.timeout_seconds)))


def _payload(body, json_value, headers: dict):
    if body is not None and json_value is not None:
        raise RequestRefused("give 'body' or 'json', not both")
    if body is not None and not isinstance(body, str):
        json_value = body  # core.http's `body` may be an object or array: sent as JSON
    if json_value is not None:
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(json_value, separators=(",", ":")).encode()
    if body is not None:
        return body.encode()
    return None


def _status_allowed(status: int, allowed) -> bool:
    return status in allowed if allowed else 200 <= status < 300


def http(context) -> dict:
    """core.http: data {status, headers, body (parsed when JSON, else text), elapsed_ms, url}."""
    p = context.parameters
    headers = dict(p.get("headers") or {})
    try:
        response = send(
            p.get("url", ""),
            method=p.get("method") or "GET",
            headers=headers,
            query=p.get("query") or None,
            body=_payload(p.get("body"), p.get("json"), headers),
            timeout=_timeout(context, p.get("timeout")),
            verify_ssl=p.get("verify_ssl", True) is not False,
        )
    except RequestRefused as exc:
        return failed_result(str(exc), exit_code=1)
    except (OSError, ValueError) as exc:
        return failed_result(f"request failed: {exc}", exit_code=1)
    parsed = _json(response)
    data = {
        "status": response.status,
        "headers": response.headers,
        "body": parsed if parsed is not None else _text(response),
        "elapsed_ms": response.elapsed_ms,
        "url": response.url,
        "body_truncated": response.truncated,
    }
    if not _status_allowed(response.status, p.get("allowed_status")):
        return failed_result(
            f"HTTP status {response.status} is not an allowed status", exit_code=1, data=data
        )
    return result_object(succeeded=True, exit_code=0, data=data)


def http_request(context) -> dict:
    """core.http_request, Attune's: data {status_code, headers, body (text), json (parsed or
    null), elapsed_ms, url, success, error?}; fails unless the status is 2xx."""
    p = context.parameters
    headers = dict(p.get("headers") or {})
    _authorize(headers, p)
    started = time.monotonic()
    try:
        response = send(
            p.get("url", ""),
            method=p.get("method") or "GET",
            headers=headers,
            query=p.get("query_params") or None,
            body=_payload(p.get("body"), p.get("json_body"), headers),
            timeout=_timeout(context, p.get("timeout")),
            verify_ssl=p.get("verify_ssl", True) is not False,
            follow_redirects=p.get("follow_redirects", True) is not False,
            max_redirects=10 if p.get("max_redirects") is None else int(p["max_redirects"]),
        )
    except (RequestRefused, OSError, ValueError) as exc:
        error = str(exc) if isinstance(exc, RequestRefused) else f"request failed: {exc}"
        data = {
            "status_code": 0,
            "headers": {},
            "body": "",
            "json": None,
            "elapsed_ms": int((time.monotonic() - started) * 1000),
            "url": p.get("url", ""),
            "success": False,
            "error": error,
        }
        return failed_result(error, exit_code=1, data=data)
    success = 200 <= response.status < 300
    data = {
        "status_code": response.status,
        "headers": response.headers,
        "body": _text(response),
        "json": _json(response),
        "elapsed_ms": response.elapsed_ms,
        "url": response.url,
        "success": success,
    }
    if not success:
        return failed_result(f"HTTP status {response.status}", exit_code=1, data=data)
    return result_object(succeeded=True, exit_code=0, data=data)


def _authorize(headers: dict, p: dict) -> None:
    if p.get("auth_type") == "basic" and p.get("auth_username"):
        pair = f"{p['auth_username']}:{p.get('auth_password') or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif p.get("auth_type") == "bearer" and p.get("auth_token"):
        headers["Authorization"] = f"Bearer {p['auth_token']}"
