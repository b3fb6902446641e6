"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (see the README).

Flags on the command line (or in GUNICORN_CMD_ARGS) override anything here, e.g.
`--bind 0.0.0.0:8000 --workers 8`.
"""

import os

from gunicorn.http import wsgi

wsgi_app = "attune.wsgi:application"
bind = ["127.0.0.1:8000"]  # behind the reverse proxy, on the same host

# Threaded workers: a client that connects and sends nothing waits in the worker's poller,
# not in a thread, and a slow one holds one thread of `threads`, not the whole process
# (the default sync worker serves one connection at a time, so three idle sockets hang it).
worker_class = "gthread"
workers = max(2, os.cpu_count() or 1)
threads = 8

# A worker whose main loop stops answering for this long is killed and replaced.
timeout = 30
graceful_timeout = 30
# Idle keep-alive connections are closed after this many seconds.
keepalive = 5

# Gunicorn answers an over-long request line or too many headers with its own HTML 400/414
# page. Its limits are set at their maximum so the reverse proxy's smaller ones (README,
# "Production": nginx refuses a request line or header over 4 KiB) always decide first.
limit_request_line = 8190
limit_request_fields = 32768
limit_request_field_size = 8190

accesslog = "-"
errorlog = "-"

# No `Server` header. Gunicorn 27 has no setting for it and drops one set by the
# application (it treats `Server` as its own), so its header line is left out here; the
# test suite checks the answer of a real gunicorn, so an upgrade that changes this fails.
_default_headers = wsgi.Response.default_headers


def _headers_without_server(response):
    return [line for line in _default_headers(response) if not line.startswith("Server:")]


wsgi.Response.default_headers = _headers_without_server
