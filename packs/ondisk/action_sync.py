"""The actions half of a pack load: plan them against their rows, then write in bulk.

Called by `packs.ondisk.sync` inside its transaction, after the workflows: a `workflow`
action points at its workflow, which may have been created by the same load.
"""

from django.db.models import F
from django.utils import timezone

from actions.models import Action
from packs.ondisk import rows
from packs.ondisk.action_files import companion_action
from packs.ondisk.specs import CREATE, DELETE, UNCHANGED, UPDATE, PackSpec

LIGHT_FIELDS = (*rows.LIGHT_FIELDS, "workflow_id")


def unknown_action_notes(spec: PackSpec) -> list[str]:
    """W402 warnings: actions neither in this pack nor in the database (yet)."""
    refs = spec.external_actions
    known = set(Action.objects.filter(ref__in=list(refs)).values_list("ref", flat=True)) if refs else set()
    return [
        f"{where}: W402-unknown-action: No action '{ref}' exists (yet): load its pack before running "
        "this workflow. (warning)"
        for ref, where in sorted(refs.items())
        if ref not in known
    ]


def model_fields(action_spec) -> dict:
    return {name: value for name, value in action_spec.fields.items() if name != "workflow_ref"}


def plan_actions(spec: PackSpec, pack, prune: bool, change_class, workflows: dict) -> tuple[list, dict, list]:
    """(changes, existing rows by ref, notes) for the actions of `spec`.

    `workflows` maps the pack's existing workflow refs to their rows, to tell whether a
    `workflow` action still points at its workflow.
    """
    existing = _locked_actions(spec, pack, workflows)
    changes, notes = [], []
    for action in spec.actions:
        current = existing.get(action.ref)
        if current is None:
            changes.append(change_class(action.ref, CREATE))
            continue
        if action.pending:  # its row's stamp vouches for it (_locked_actions)
            changes.append(change_class(action.ref, UNCHANGED, id=current.pk))
            continue
        changed = [n for n, v in model_fields(action).items() if getattr(current, n) != v]
        linked = workflows.get(action.fields["workflow_ref"])
        if current.workflow_id != (linked.pk if linked else None):
            changed.append("workflow")
        changes.append(change_class(action.ref, UPDATE if changed else UNCHANGED, changed, current.pk))
    on_disk = {action.ref for action in spec.actions}
    for ref, current in sorted(existing.items()):
        if ref not in on_disk:
            changes.append(change_class(ref, DELETE if prune else UNCHANGED, id=current.pk))
            if not prune:
                notes.append(f"{ref}: action not on disk, kept (--no-prune)")
    return changes, existing, notes


def _locked_actions(spec: PackSpec, pack, workflows: dict) -> dict:
    """The pack's action rows by ref: in full and locked for those compared field by field,
    only LIGHT_FIELDS (unlocked, packs.ondisk.rows) for the companion actions whose row's
    stamp vouches for them."""
    if pack is None:
        return {}
    found = Action.objects.select_for_update().filter(pack_id=pack.pk)
    pending = [action for action in spec.actions if action.pending]
    if not pending:
        return {row.ref: row for row in found}
    existing = rows.light_rows(Action, pack, LIGHT_FIELDS)
    # Not vouched for (edited, relinked, gone): compared in full, from the workflow's row.
    doubtful = [action for action in pending if not _vouched(action, existing.get(action.ref), workflows)]
    if doubtful:
        rows.fill_specs(spec, {action.fields["workflow_ref"] for action in doubtful}, workflows)
        by_ref = {workflow.ref: workflow for workflow in spec.workflows}
        for action in doubtful:
            action.fields = companion_action(by_ref[action.fields["workflow_ref"]]).fields
            action.pending = False
    compared = {action.ref for action in spec.actions if not action.pending} & existing.keys()
    rows.fill_rows(existing, found, compared)
    return existing


def _vouched(action, row, workflows: dict) -> bool:
    """The row is the companion action its workflow's files gave, still linked to it."""
    workflow = workflows.get(action.fields["workflow_ref"])
    return (
        row is not None
        and workflow is not None
        and row.workflow_id == workflow.pk
        and bool(action.stamp)
        and row.load_stamp == rows.stamp(action, row.revision)
    )


def apply_actions(spec: PackSpec, pack, changes: list, existing: dict, workflow_ids: dict) -> None:
    """Write the planned action changes; `workflow_ids` maps workflow refs to row ids."""
    specs = {action.ref: action for action in spec.actions}
    by_action = {kind: [c for c in changes if c.action == kind] for kind in (CREATE, UPDATE, DELETE)}
    if by_action[DELETE]:
        # First: a pruned action's ref may come back as another pack file's action.
        Action.objects.filter(pk__in=[c.id for c in by_action[DELETE]]).delete()
    created = Action.objects.bulk_create(
        [
            Action(
                ref=c.ref,
                pack=pack,
                workflow_id=workflow_ids.get(specs[c.ref].fields["workflow_ref"]),
                load_stamp=rows.stamp(specs[c.ref], Action._meta.get_field("revision").default),
                **model_fields(specs[c.ref]),
            )
            for c in by_action[CREATE]
        ]
    )
    for change, action in zip(by_action[CREATE], created, strict=True):
        change.id = action.pk
    if not by_action[UPDATE]:
        return
    now, written, names = timezone.now(), [], set()
    for change in by_action[UPDATE]:
        action, action_spec = existing[change.ref], specs[change.ref]
        for name in change.fields:
            if name == "workflow":
                action.workflow_id = workflow_ids.get(action_spec.fields["workflow_ref"])
            else:
                setattr(action, name, action_spec.fields[name])
        action.updated = now
        # Locked since it was read: the UPDATE's revision is this one plus one.
        action.load_stamp = rows.stamp(action_spec, action.revision + 1)
        action.revision = F("revision") + 1  # in the UPDATE, as Revisioned.save does
        written.append(action)
        names.update(change.fields)
    Action.objects.bulk_update(written, [*sorted(names), "load_stamp", "updated", "revision"])
