"""approvals.wait_for_decision: poll the approvals service until a request is decided.

Reads the action parameters as a JSON object on stdin; the service's URL and token come
from APPROVALS_API_URL and APPROVALS_API_TOKEN in the worker's environment. Prints
{"decision", "decided_by", "comment"} as JSON. Transient HTTP errors are retried; the
caller's task timeout ends the wait.
"""

import json
import os
import sys
import time
import urllib.error
import urllib.request


def fetch(url: str, token: str) -> dict:
    if not url.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
        raise SystemExit("APPROVALS_API_URL must be an https:// URL (or http:// on this machine)")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        return json.load(response)


def main() -> int:
    params = json.load(sys.stdin)
    url = f"{os.environ['APPROVALS_API_URL'].rstrip('/')}/requests/{params['request_id']}"
    token = os.environ["APPROVALS_API_TOKEN"]
    interval = max(10, int(params.get("poll_seconds", 30)))
    while True:
        try:
            request = fetch(url, token)
        except (urllib.error.URLError, TimeoutError) as exc:
            print(f"poll failed, trying again: {exc}", file=sys.stderr)
        else:
            if request.get("status") in ("approved", "rejected"):
                print(
                    json.dumps(
                        {
                            "decision": request["status"],
                            "decided_by": request.get("decided_by", ""),
                            "comment": request.get("comment", ""),
                        }
                    )
                )
                return 0
            if request.get("status") not in ("pending", None):
                print(f"request is {request.get('status')!r}, not pending", file=sys.stderr)
                return 1
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
