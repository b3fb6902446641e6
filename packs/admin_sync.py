"""The admin's "Sync from disk": a dry run shown as a plan first, applied only on Confirm.

Both steps go through `packs.ondisk.operations.sync` (the API's and `manage.py`'s code).
The preview page carries a digest of the plans it showed; Confirm re-plans and applies only
when the digest still matches, so files changed on disk in between are shown, not applied
unseen.
"""

import hashlib
import json
from dataclasses import dataclass, field

from packs.ondisk import operations as disk
from packs.ondisk.loader import PackInvalid
from packs.ondisk.specs import UNCHANGED


@dataclass
class PackPreview:
    pack: object
    plan: object = None
    problems: list[str] = field(default_factory=list)

    @property
    def items(self) -> list[str]:
        """The plan's changes, one per item, as a person reads them (unchanged rows left out)."""
        plan = self.plan
        items = [f"pack {plan.ref}: {plan.action}{_fields(plan.fields)}"] if plan.action != UNCHANGED else []
        for kind, changes in (("workflow", plan.workflows), ("action", plan.actions)):
            items += [
                f"{change.action} {kind} {change.ref}{_fields(change.fields)}"
                for change in changes
                if change.action != UNCHANGED
            ]
        return items + [f"note: {note}" for note in plan.notes]


def _fields(names) -> str:
    return f" ({', '.join(names)})" if names else ""


def problems_of(exc: Exception) -> list[str]:
    """Why a pack cannot be synced, in words (no exception class names)."""
    if isinstance(exc, PackInvalid):
        return [str(problem) for problem in exc.problems]
    if isinstance(exc, disk.PruneNotAllowed):
        return [
            "the plan deletes workflows or actions that are no longer on disk, and your account "
            "may not delete them"
        ]
    return [str(exc)]  # PathNotAllowed: names the path as registered, never the server's


def attempt(pack, user, dry_run: bool) -> PackPreview:
    try:
        plan = disk.sync(pack, dry_run=dry_run, check=disk.deletion_guard(user))
    except (PackInvalid, disk.PathNotAllowed, disk.PruneNotAllowed) as exc:
        return PackPreview(pack, problems=problems_of(exc))
    return PackPreview(pack, plan)


def preview(packs, user) -> list[PackPreview]:
    return [attempt(pack, user, dry_run=True) for pack in packs]


def digest(previews: list[PackPreview]) -> str:
    shown = [[p.pack.pk, p.plan.as_dict() if p.plan else None, p.problems] for p in previews]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()
