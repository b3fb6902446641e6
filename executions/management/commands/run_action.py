"""`manage.py run_action <ref>`: start an execution through the same service as the API."""

import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from actions.models import Action
from attune.validators import schema_problems, to_json_schema
from executions import service
from executions.models import TERMINAL, Status
from executions.redaction import shown_result

POLL_SECONDS = 0.2
BAD_INPUT, NOT_COMPLETED = 2, 1


def split_param(text: str) -> tuple[str, str]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise CommandError(f"--param {text!r}: expected NAME=VALUE", returncode=BAD_INPUT)
    return name, raw


def parse_value(name: str, raw: str, string_names=frozenset()):
    """The value as JSON when it parses (`n=3`, `flag=true`, `xs=[1]`), else the text; always
    the text for a parameter the action declares a string (`cmd=true` stays "true")."""
    if name in string_names:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def string_parameters(ref: str) -> frozenset[str]:
    """The parameters the action declares with type string (none when it is unknown)."""
    schema = Action.objects.filter(ref=ref).values_list("parameters", flat=True).first()
    if not isinstance(schema, dict) or schema_problems(schema):
        return frozenset()
    properties = to_json_schema(schema).get("properties") or {}
    return frozenset(
        name for name, prop in properties.items() if isinstance(prop, dict) and prop.get("type") == "string"
    )


def read_json_file(path: str) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"--json {path}: {exc}", returncode=BAD_INPUT) from None
    if not isinstance(value, dict):
        raise CommandError(f"--json {path}: must hold a JSON object", returncode=BAD_INPUT)
    return value


class Command(BaseCommand):
    help = "Run an action: exit status 0 only when the run completed (with --wait), 1 when it did not, 2 for bad input."

    def add_arguments(self, parser):
        parser.add_argument("ref", help="The action's ref, <pack>.<name>.")
        parser.add_argument(
            "--param", action="append", default=[], metavar="NAME=VALUE", help="A parameter (repeatable)."
        )
        parser.add_argument(
            "--json", metavar="FILE", help="Parameters from a JSON object file; --param wins."
        )
        parser.add_argument(
            "--env", action="append", default=[], metavar="NAME=VALUE", help="An extra environment variable."
        )
        parser.add_argument(
            "--timeout", type=int, help="The run's timeout in seconds (default the action's)."
        )
        parser.add_argument(
            "--max-retries", type=int, default=0, help="Retries of a run abandoned by a dead worker."
        )
        parser.add_argument("--user", help="Run as this user (the executor); needed for core.local.")
        parser.add_argument(
            "--wait", action="store_true", help="Wait for the run to end, printing its progress."
        )
        parser.add_argument(
            "--wait-timeout", type=float, help="With --wait, give up waiting after this many seconds."
        )

    def handle(self, *args, **options):
        parameters = read_json_file(options["json"]) if options["json"] else {}
        given = [split_param(text) for text in options["param"]]
        strings = string_parameters(options["ref"]) if given else frozenset()
        parameters.update((name, parse_value(name, raw, strings)) for name, raw in given)
        env_vars = dict(text.partition("=")[::2] for text in options["env"])
        try:
            execution = service.start_by_ref(
                options["ref"],
                parameters,
                executor=self._user(options["user"]),
                timeout_seconds=options["timeout"],
                env_vars=env_vars,
                max_retries=options["max_retries"],
            )
        except service.ExecutionRefused as refused:
            details = "".join(
                f"\n  {field}: {'; '.join(messages)}" for field, messages in refused.errors.items()
            )
            raise CommandError(f"{refused.message}{details}", returncode=BAD_INPUT) from None
        self.stdout.write(f"Execution {execution.id} of {execution.action_ref} scheduled")
        if options["wait"]:
            self._wait(execution, options["wait_timeout"])

    def _user(self, username):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user {username}: no active user with this name", returncode=BAD_INPUT)
        return user

    def _wait(self, execution, wait_timeout):
        deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
        progress = {}
        while True:
            execution.refresh_from_db()
            self._show_progress(execution, progress)
            if execution.status in TERMINAL:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise CommandError(
                    f"Execution {execution.id} is still {execution.status} after {wait_timeout:g} s; "
                    "it goes on without this command (is a worker running?)",
                    returncode=NOT_COMPLETED,
                )
            time.sleep(POLL_SECONDS)
        self.stdout.write(json.dumps(shown_result(execution), indent=2, sort_keys=True))
        if execution.status != Status.COMPLETED:
            raise CommandError(f"Execution {execution.id} {execution.status}", returncode=NOT_COMPLETED)
        self.stdout.write(self.style.SUCCESS(f"Execution {execution.id} completed"))

    def _show_progress(self, execution, progress: dict) -> None:
        """A line per status change; `progress` keeps what was shown between polls."""
        if execution.status != progress.get("status"):
            progress["status"] = execution.status
            self.stdout.write(f"Execution {execution.id}: {execution.status}")
