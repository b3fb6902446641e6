"""Deleting old executions: whole finished trees (a top-level execution with its task runs,
nested workflows, events and inquiries), oldest first, in batches of one transaction each."""

import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from executions.models import TERMINAL, Execution

AGE_RE = re.compile(r"^([1-9]\d{0,5})([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
BATCH = 500


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `3600s`; ValueError otherwise."""
    match = AGE_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an age such as 30d, 12h, 90m or 3600s")
    return timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])


def prunable(older_than: timedelta):
    """Top-level executions that finished before now - older_than, with nothing still running."""
    cutoff = timezone.now() - older_than
    live_roots = Execution.objects.exclude(status__in=TERMINAL).exclude(root=None).values("root_id")
    return (
        Execution.objects.filter(parent=None, status__in=TERMINAL, finished_at__lt=cutoff)
        .exclude(id__in=live_roots)
        .order_by("finished_at", "id")
    )


def prune(older_than: timedelta, dry_run: bool = False) -> int:
    """How many top-level executions were (or, with dry_run, would be) deleted."""
    if dry_run:
        return prunable(older_than).count()
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(prunable(older_than).values_list("id", flat=True)[:BATCH])
            if not ids:
                return deleted
            # Descendants first: their rows point at the roots (CASCADE would do it row by row).
            Execution.objects.filter(root_id__in=ids).delete()
            Execution.objects.filter(id__in=ids).delete()
        deleted += len(ids)
