"""slack.post_message: post a message with Slack's chat.postMessage and print the answer as JSON.

Reads the action parameters as a JSON object on stdin and the bot token from the
SLACK_BOT_TOKEN environment variable of the worker; SLACK_API_URL, when set, replaces
https://slack.com/api (a proxy, or a local stand-in in tests). Exit status 0 when Slack says ok.
"""

import json
import os
import sys
import urllib.request

DEFAULT_API = "https://slack.com/api"
FIELDS = ("channel", "text", "thread_ts", "unfurl_links")


def main() -> int:
    params = json.load(sys.stdin)
    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        print(json.dumps({"ok": False, "error": "SLACK_BOT_TOKEN is not set"}))
        return 1
    api = os.environ.get("SLACK_API_URL") or DEFAULT_API
    if not api.startswith(("https://", "http://")):
        print(json.dumps({"ok": False, "error": "SLACK_API_URL must be an http(s) URL"}))
        return 1
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        f"{api.rstrip('/')}/chat.postMessage",
        data=json.dumps({key: params[key] for key in FIELDS if key in params}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        answer = json.load(response)
    result = {key: answer.get(key) for key in ("ok", "channel", "ts", "error")}
    print(json.dumps(result))
    return 0 if answer.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
