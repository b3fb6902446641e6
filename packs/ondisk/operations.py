"""Pack operations on the server's disk, shared by the API and the admin.

Requests may only make the server read directories inside ATTUNE_PACKS_DIR (after
resolving symlinks). Registering, uploading and syncing all end in `packs.ondisk.sync.load_packs`:
one transaction, the whole pack or nothing.
"""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction

from actions.core import CORE_PACK_DIR
from actions.rules import CORE_PACK_REF
from packs.models import Pack
from packs.ondisk import archive
from packs.ondisk.loader import PackInvalid, PackSpec, Problem, read_pack
from packs.ondisk.specs import DELETE
from packs.ondisk.stamps import stored_stamps
from packs.ondisk.sync import PackPlan, load_packs


class PathNotAllowed(Exception):
    """The path is outside ATTUNE_PACKS_DIR."""


class PackExists(Exception):
    """The pack is registered already and `force` was not given."""


class PackGone(PackInvalid):
    """The pack was deleted while it was being synced: nothing is written, nothing re-created."""


class PruneNotAllowed(Exception):
    """The plan deletes workflows and the user may not delete workflows."""


def deletion_guard(user):
    """A plan check: pruning workflows or actions needs their delete permission, as deleting does."""

    def check(plan: PackPlan) -> None:
        for of, permission in (
            ("workflows", "workflows.delete_workflow"),
            ("actions", "actions.delete_action"),
        ):
            deleted = plan.count(DELETE, of)
            if deleted and not user.has_perm(permission):
                raise PruneNotAllowed(
                    f"Pack '{plan.ref}': the plan deletes {deleted} {of[:-1]}(s) no longer on disk, "
                    f"which needs the {permission} permission"
                )

    return check


def packs_dir() -> Path:
    return Path(settings.ATTUNE_PACKS_DIR).resolve()


def resolve_in_packs_dir(path: str) -> Path:
    """`path` (absolute, or relative to the packs directory) resolved, if it stays inside."""
    root = packs_dir()
    try:
        resolved = (root / path).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long, ...
        # The OS's message would name the resolved server path; the reason alone is enough.
        reason = getattr(exc, "strerror", None) or "a symlink loop"
        raise PackInvalid(path, [Problem(str(path), f"the path cannot be resolved: {reason}")]) from None
    if resolved != root and not resolved.is_relative_to(root):
        # Names the path as sent, never where the packs directory is on the server.
        raise PathNotAllowed(f"'{path}' is outside the packs directory (ATTUNE_PACKS_DIR)")
    return resolved


def read_registered(pack: Pack) -> PackSpec:
    """Re-read a pack from the directory it was loaded from (which must be in the packs dir)."""
    if pack.ref == CORE_PACK_REF:
        return read_pack(CORE_PACK_DIR)  # shipped with the server, outside the packs directory
    if not pack.source_dir:
        raise PackInvalid(pack.ref, [Problem("pack.yaml", "this pack was not loaded from disk")], pack.ref)
    return read_pack(resolve_in_packs_dir(pack.source_dir), stored=stored_stamps)


def register(path: str, force: bool = False, check=None) -> PackPlan:
    """Load the pack directory at `path` (inside the packs directory)."""
    spec = read_pack(resolve_in_packs_dir(path), stored=stored_stamps)
    if not force and Pack.objects.filter(ref=spec.ref).exists():
        raise PackExists(f"Pack '{spec.ref}' already exists; send force=true to update it")
    return _load(spec, check)


def sync(pack: Pack, dry_run: bool = False, check=None) -> PackPlan:
    with transaction.atomic():
        # Locked until the load commits: a concurrent delete goes first (and the files do
        # not bring the pack back) or waits.
        if not Pack.objects.select_for_update().filter(pk=pack.pk).exists():
            raise PackGone(pack.ref, [Problem("pack.yaml", "the pack was deleted meanwhile")], pack.ref)
        spec = read_registered(pack)
        if spec.ref != pack.ref:
            problem = Problem("pack.yaml", f"ref is now '{spec.ref}', but this pack is '{pack.ref}'")
            raise PackInvalid(pack.source_dir, [problem], pack.ref)
        return load_packs([spec], dry_run=dry_run, check=check)[0]


def _load(spec: PackSpec, check=None) -> PackPlan:
    return load_packs([spec], check=check)[0]


def upload(fileobj, filename: str, force: bool = False, check=None) -> PackPlan:
    """Unpack an archive into ATTUNE_PACKS_DIR/<ref> and register it.

    The archive is unpacked into a staging directory next to its final place and moved in
    only once the pack has been read and checked; a failure leaves no file and no row.
    """
    root = packs_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=root))
    try:
        unpacked_dir = staging / "unpacked"
        unpacked_dir.mkdir()
        unpacked = archive.extract(fileobj, filename, unpacked_dir)
        spec = read_pack(unpacked)
        target = root / spec.ref
        if not force and Pack.objects.filter(ref=spec.ref).exists():
            raise PackExists(f"Pack '{spec.ref}' already exists; send force=true to replace it")
        if not force and (target.exists() or target.is_symlink()):
            # Files an operator put there (a checkout, another pack's source) are never
            # replaced without force.
            raise PackExists(
                f"'{spec.ref}' already exists in the packs directory; send force=true to replace it"
            )
        return _install(unpacked, target, staging, check)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(unpacked: Path, target: Path, staging: Path, check=None) -> PackPlan:
    """Swap the unpacked pack into `target` and load it from there; undo both on failure."""
    previous = staging / "previous"
    if target.exists() or target.is_symlink():
        target.rename(previous)
    unpacked.rename(target)
    try:
        return _load(read_pack(target), check)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        if previous.exists():
            previous.rename(target)
        raise
