"""The rules of an action's fields that the model, the API and the pack loader share."""

import re
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

CORE_PACK_REF = "core"
SCRIPT_RUNNERS = ("python", "shell")
# Attune's reference visibility: this server lets every pack reference every action.
VISIBILITIES = ("public",)
BUILTIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_TIMEOUT = 2**31 - 1  # seconds; the column's range on every database


def validate_timeout(value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TIMEOUT:
        raise ValidationError(f"must be a whole number of seconds, from 1 to {MAX_TIMEOUT}")


def entry_point_problem(entry_point) -> str | None:
    """Why `entry_point` is not a path relative to the pack's actions/ directory, or None."""
    if not isinstance(entry_point, str) or not entry_point.strip():
        return "entry_point: a python or shell action needs the script's path, relative to actions/"
    path = PurePosixPath(entry_point)
    if path.is_absolute() or ".." in path.parts or "\\" in entry_point or "\x00" in entry_point:
        return (
            f"entry_point: '{entry_point}' must be a relative path inside the pack's actions/ "
            "directory (no leading '/', no '..')"
        )
    return None


def runner_problems(pack_ref: str, runner_type, entry_point) -> list[str]:
    """What is wrong with this runner type and entry point together, for an action of `pack_ref`."""
    if runner_type in SCRIPT_RUNNERS:
        problem = entry_point_problem(entry_point)
        return [problem] if problem else []
    if runner_type == "builtin":
        problems = []
        if pack_ref != CORE_PACK_REF:
            problems.append("runner_type: 'builtin' is reserved for the core pack's actions")
        if not isinstance(entry_point, str) or not BUILTIN_NAME_RE.match(entry_point):
            problems.append("entry_point: a builtin action names its built-in (e.g. echo)")
        return problems
    return []


class CorePackProtected(Exception):
    """A write that would change, replace or delete the shipped core pack or its actions."""


def protect_core(pack_ref: str, what: str) -> None:
    """Raise CorePackProtected when `pack_ref` is the core pack; `what` says what was refused."""
    if pack_ref == CORE_PACK_REF:
        raise CorePackProtected(
            f"The core pack is shipped with the server and installed by `manage.py migrate`: {what}"
        )


def pack_to_add_to(pack_ref: str, kind: str):
    """The pack a create names, for the API: 404 when it does not exist, 403 for the core
    pack (every migrate re-syncs it from its files, which would prune the addition)."""
    from rest_framework.exceptions import NotFound, PermissionDenied

    from packs.models import Pack

    pack = Pack.objects.filter(ref=pack_ref).first()
    if pack is None:
        raise NotFound(f"Pack '{pack_ref}' not found")
    try:
        protect_core(pack.ref, f"no {kind} can be added to it")
    except CorePackProtected as exc:
        raise PermissionDenied(str(exc)) from None
    return pack
