"""The admin's "Sync from disk": the plan is shown first and applied only on Confirm.

Both steps run the sync the API and `manage.py` use (`packs.ondisk.operations.sync`) for
real, inside one transaction. The preview rolls it back; Confirm commits it only when the
digest of what it just did — each pack's plan, problems and the hashes of the files it
wrote — equals the digest the preview page carried. So files changed on disk between the
two clicks are never applied unseen: the transaction is rolled back and its plan, the new
one, is shown instead. There is no moment between checking and applying for the disk to
change in.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.db import transaction

from actions.models import Action
from packs.models import Pack
from packs.ondisk import operations as disk
from packs.ondisk.loader import PackInvalid
from packs.ondisk.specs import UNCHANGED
from packs.ondisk.sync import PackPlan
from workflows.models import Workflow


@dataclass
class PackOutcome:
    """One pack's part of a sync: its plan, or why it cannot be synced."""

    pack: Pack
    plan: PackPlan | None = None
    problems: list[str] = field(default_factory=list)
    written: list = field(default_factory=list)  # hashes of the rows the plan leaves

    @property
    def items(self) -> list[str]:
        return plan_items(self.plan) if self.plan else []


@dataclass
class SyncRun:
    outcomes: list[PackOutcome]
    digest: str
    applied: bool


def plan_items(plan: PackPlan) -> list[str]:
    """A plan's changes, one per item, as a person reads them (unchanged items left out)."""
    items = [f"{plan.action} pack {plan.ref}{_fields(plan.fields)}"] if plan.action != UNCHANGED else []
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
    """Why a pack cannot be synced, in words (no exception class names or reprs)."""
    if isinstance(exc, PackInvalid):
        return [str(problem) for problem in exc.problems]
    if isinstance(exc, disk.PruneNotAllowed):
        return [
            "the plan deletes workflows or actions that are no longer on disk, and your account "
            "may not delete them (it needs their delete permission)"
        ]
    if isinstance(exc, disk.PathNotAllowed):
        return [
            "its directory is outside the packs directory (ATTUNE_PACKS_DIR): move it there, "
            "or register it again from there"
        ]
    return [str(exc)]


def sync_packs(packs: list[Pack], user, confirmed_digest: str = "") -> SyncRun:
    """Sync `packs` from disk; commit only if `confirmed_digest` is the digest of this very run."""
    with transaction.atomic():
        outcomes = [_sync_one(pack, user) for pack in packs]
        digest = _digest(outcomes)
        # As bytes: compare_digest refuses a str with non-ASCII characters (a forged form).
        applied = bool(confirmed_digest) and hmac.compare_digest(confirmed_digest.encode(), digest.encode())
        if not applied:
            transaction.set_rollback(True)  # a preview, or the disk changed: nothing written
    return SyncRun(outcomes, digest, applied)


def _sync_one(pack: Pack, user) -> PackOutcome:
    try:
        # A savepoint: a pack that cannot be synced leaves the others' changes.
        with transaction.atomic():
            plan = disk.sync(pack, check=disk.deletion_guard(user))
    except (PackInvalid, disk.PathNotAllowed, disk.PruneNotAllowed) as exc:
        return PackOutcome(pack, problems=problems_of(exc))
    return PackOutcome(pack, plan, written=_written(pack))


def _written(pack: Pack) -> list:
    """The file hashes of the pack's rows once the plan is applied: what the files said."""
    return [
        Pack.objects.filter(pk=pack.pk).values_list("manifest_sha256", flat=True).first(),
        list(
            Workflow.objects.filter(pack=pack)
            .order_by("ref")
            .values_list("ref", "source_sha256", "metadata_sha256")
        ),
        list(Action.objects.filter(pack=pack).order_by("ref").values_list("ref", "source_sha256")),
    ]


def _digest(outcomes: list[PackOutcome]) -> str:
    shown = []
    for outcome in outcomes:
        plan = outcome.plan.as_dict() if outcome.plan else None
        if plan:
            # Row ids of created items differ from one run to the next; the refs say the same.
            for change in (*plan["workflows"], *plan["actions"]):
                change.pop("id", None)
        shown.append([outcome.pack.pk, plan, outcome.problems, outcome.written])
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()
