"""The rows a load compares with, read only as far as the plan needs them.

A workflow the reader did not validate again (its files are those its row's load stamp
vouches for, packs.ondisk.stamps) is unchanged as long as its row is still at the revision
the stamp names: for it the plan needs the row's id and revision, not its definition and
source text. Those stay unread, which is most of an unchanged re-load's database time.

Rows the load may write (compared field by field) are locked until it commits. The light
rows are not: the load writes no field of an unchanged row (at most its stamp, which names
the revision it vouches for), so an API write that lands after they were read is kept, as if
it had come after the load; locking a thousand rows on PostgreSQL writes each of them.
"""

from django.db import connection

from packs.ondisk import stamps
from packs.ondisk.specs import WORKFLOW_FIELDS, PackInvalid, PackSpec, Problem
from workflows.models import Workflow

# What the plan reads of a row it does not compare field by field: named tuples, since
# building a model instance per row costs more than the query.
LIGHT_FIELDS = ("pk", "ref", "revision", "load_stamp")


def locked_workflows(pack, spec: PackSpec) -> dict:
    """The pack's workflow rows by ref: in full and locked until the load commits for the
    workflows validated from their files, only LIGHT_FIELDS for the others."""
    if pack is None:
        return {}
    rows = Workflow.objects.select_for_update().filter(pack_id=pack.pk)
    if not spec.unchanged:
        return {row.ref: row for row in rows}
    found = light_rows(Workflow, pack, LIGHT_FIELDS)
    validated = {workflow.ref for workflow in spec.workflows if workflow.fields is not None} & found.keys()
    fill_rows(found, rows, validated)
    return found


def light_rows(model, pack, fields: tuple) -> dict:
    """The pack's rows of `model` by ref, only `fields`, unlocked and unordered (the narrow
    index the load reads them by covers them, so the wide columns stay unread)."""
    rows = model.objects.filter(pack_id=pack.pk).order_by().values_list(*fields, named=True)
    return {row.ref: row for row in rows}


def fill_rows(found: dict, rows, refs: set) -> None:
    """Replace the light rows of `refs` in `found` by full ones from `rows`, in one query."""
    if not refs:
        return
    # One parameter per ref, within the backend's limit (PostgreSQL has none: None).
    limit = connection.features.max_query_params
    if limit is None or len(refs) < limit:
        rows = rows.filter(ref__in=sorted(refs))
    found.update((row.ref, row) for row in rows if row.ref in refs)


def check_unchanged(spec: PackSpec, rows: dict) -> None:
    """Every workflow taken as unchanged still has its row at the revision its stamp names."""
    problems = []
    for workflow in spec.workflows:
        row = rows.get(workflow.ref)
        if workflow.fields is None and (row is None or row.revision != workflow.stored_revision):
            # Written or deleted between reading the files and taking the lock.
            message = (
                f"workflow '{workflow.ref}' changed in the database while the pack was read: load it again"
            )
            problems.append(Problem(workflow.origin.file, message, ref=workflow.ref))
    if problems:
        raise PackInvalid(spec.source_dir, problems, spec.ref)


def fill_specs(spec: PackSpec, refs: set, rows: dict) -> None:
    """Give the unchanged workflows `refs` their rows' fields (what validating their files
    gave), for a companion action that has to be compared after all."""
    pack_rows = Workflow.objects.select_for_update().filter(pack__ref=spec.ref)
    fill_rows(rows, pack_rows, refs)
    for workflow in spec.workflows:
        if workflow.ref in refs:
            workflow.fields = {name: getattr(rows[workflow.ref], name) for name in WORKFLOW_FIELDS}


def stamp(item, revision: int) -> str:
    """The stamp of a workflow or action spec for its row at `revision` ("" without one)."""
    return stamps.bound_stamp(item.stamp, revision) if item.stamp else ""


def stale_stamps(items: list, changes: list, rows: dict, unchanged: str) -> list:
    """The rows of unchanged, validated `items` whose stamp is not theirs (a new load key)."""
    by_ref = {item.ref: item for item in items}
    stale = []
    for change in changes:
        item = by_ref.get(change.ref)
        pending = item is None or item.fields is None or getattr(item, "pending", False)
        if change.action != unchanged or pending or not item.stamp:
            continue
        row = rows[change.ref]
        expected = stamp(item, row.revision)
        if row.load_stamp != expected:
            row.load_stamp = expected
            stale.append(row)
    return stale
