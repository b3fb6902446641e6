"""Make the database agree with packs read from disk: plan first, then apply.

`plan_pack` compares a PackSpec with the rows it would replace and says, per workflow and
per action (packs.ondisk.action_sync), create / update (which fields) / unchanged / delete. `load_packs` applies the plans of
several packs in one transaction with bulk writes: any problem and nothing is written.
A second load of unchanged files writes no row.
"""

from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from actions.core import is_core_pack_dir
from actions.models import Action
from actions.rules import CORE_PACK_REF
from attune import validators
from packs.models import Pack
from packs.ondisk import action_sync, rows
from packs.ondisk.specs import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    PackInvalid,
    PackSpec,
    Problem,
)
from workflows.models import Workflow

PAST = {CREATE: "created", UPDATE: "updated", DELETE: "deleted", UNCHANGED: "unchanged"}
MANIFEST_DEFAULTS = {
    "description": "",  # optional in pack.yaml, as in Attune
    "tags": [],
    "conf_schema": {},
    "meta": {},
    "dependencies": [],
    "runtime_deps": [],
    "is_standard": False,
    "worker_selector": {},
    "worker_tolerations": [],
    "worker_affinity": {},
}


@dataclass
class WorkflowChange:
    """One row's change in a plan (a workflow's, or an action's in `PackPlan.actions`)."""

    ref: str
    action: str
    fields: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass
class PackPlan:
    ref: str
    action: str
    fields: list[str] = field(default_factory=list)
    workflows: list[WorkflowChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source_dir: str = ""
    actions: list[WorkflowChange] = field(default_factory=list)
    restamped: int = 0  # unchanged workflows whose load stamp is written anew (a new load key)
    skipped: int = 0  # workflows taken from their rows, not validated again (unchanged files)

    def count(self, action: str, of: str = "workflows") -> int:
        return sum(1 for change in getattr(self, of) if change.action == action)

    @property
    def rows_written(self) -> int:
        pack_rows = 0 if self.action == UNCHANGED else 1
        changes = [*self.workflows, *self.actions]
        return pack_rows + self.restamped + sum(1 for change in changes if change.action != UNCHANGED)

    def summary(self) -> str:
        def counts(of):
            return ", ".join(
                f"{self.count(action, of)} {PAST[action]}" for action in (CREATE, UPDATE, DELETE, UNCHANGED)
            )

        extra = f"; {self.restamped} load stamps renewed" if self.restamped else ""
        if self.skipped:
            extra += f"; {self.skipped} unchanged since loaded, not validated again"
        return (
            f"pack {self.ref} {PAST[self.action]}; workflows: {counts('workflows')}; "
            f"actions: {counts('actions')}{extra}"
        )

    def lines(self) -> list[str]:
        """The plan as a person reads it, one change per line."""
        head = f"pack {self.ref}: {self.action}"
        if self.fields:
            head += f" ({', '.join(self.fields)})"
        lines = [head]
        for change in self.workflows:
            detail = f" ({', '.join(change.fields)})" if change.fields else ""
            lines.append(f"  {change.action:<9} {change.ref}{detail}")
        for change in self.actions:
            detail = f" ({', '.join(change.fields)})" if change.fields else ""
            lines.append(f"  {change.action:<9} action {change.ref}{detail}")
        lines += [f"  note: {note}" for note in self.notes]
        return lines

    def as_dict(self) -> dict:
        return asdict(self)


def _differences(instance, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(instance, name) != value]


def _check_ownership(spec: PackSpec, pack: Pack | None, model, items: list, own: dict, kind: str) -> None:
    """A workflow or action ref already owned by another pack is an error, never a takeover.

    `own` holds the pack's rows by ref, read under the load's lock: refs are unique, so only
    the others can belong to another pack (none, on a re-load that adds nothing).
    """
    items = [item for item in items if item.ref not in own]
    if not items:
        return
    owned = model.objects.filter(ref__in=[item.ref for item in items])
    if pack is not None:
        owned = owned.exclude(pack=pack)
    # Reported against the file that defines the item (never the server's directory).
    where = {item.ref: item.origin for item in items}
    problems = []
    for ref, owner in owned.values_list("ref", "pack__ref"):
        origin = where.get(ref) or Problem("pack.yaml", "")
        message = f"{kind} '{ref}' already belongs to pack '{owner}'"
        problems.append(Problem(origin.file, message, origin.line, origin.column, ref))
    if problems:
        raise PackInvalid(spec.source_dir, problems, spec.ref)


def _check_core(spec: PackSpec) -> None:
    """The core pack is loaded only from the directory shipped with the server."""
    if spec.ref == CORE_PACK_REF and not is_core_pack_dir(spec.source_dir):
        message = (
            "ref 'core' is the core pack shipped with the server: it cannot be replaced or "
            "loaded from another directory (give this pack another ref)"
        )
        raise PackInvalid(spec.source_dir, [Problem("pack.yaml", message)], spec.ref)


def _settle_config(pack: Pack | None, pack_fields: dict) -> list[str]:
    """Operators own a pack's config: stored values win over the manifest's on a re-load.

    The manifest's `config` seeds a new pack and fills keys the stored config lacks, so a
    secret set on the server survives every load. Returns notes when the result no longer
    fits the (new) conf_schema.
    """
    if pack is None:
        return []
    pack_fields["config"] = {**pack_fields.get("config", {}), **pack.config}
    problems = validators.config_problems(pack_fields["conf_schema"], pack_fields["config"])
    return [f"stored config does not match the conf_schema: {problem}" for problem in problems]


def _unknown_workflow_notes(spec: PackSpec) -> list[str]:
    """W401 warnings: sub-workflows neither in this pack nor in the database (yet)."""
    refs = spec.external_workflows
    known = set(Workflow.objects.filter(ref__in=list(refs)).values_list("ref", flat=True)) if refs else set()
    return [
        f"{where}: W401-unknown-workflow: No workflow '{ref}' exists (yet): load it before running this one. (warning)"
        for ref, where in sorted(refs.items())
        if ref not in known
    ]


def plan_pack(spec: PackSpec, prune: bool = True) -> tuple[PackPlan, dict]:
    """Compare `spec` with the database; return the plan and what applying it needs."""
    # Locked, with its workflows, until the load commits: an API write in between would be
    # overwritten by a plan made before it, and a row deleted meanwhile must not be updated.
    _check_core(spec)
    pack = Pack.objects.select_for_update().filter(ref=spec.ref).first()
    # Disk is the source of truth: a key the manifest drops goes back to its default
    # (config excepted, see _settle_config).
    pack_fields = {**MANIFEST_DEFAULTS, **spec.fields}
    existing = rows.locked_workflows(pack, spec)
    _check_ownership(spec, pack, Workflow, spec.workflows, existing, "workflow")
    rows.check_unchanged(spec, existing)
    notes = [
        *spec.notes,
        *_settle_config(pack, pack_fields),
        *_unknown_workflow_notes(spec),
        *action_sync.unknown_action_notes(spec),
    ]
    plan = PackPlan(spec.ref, CREATE if pack is None else UPDATE, notes=notes, source_dir=spec.source_dir)
    if pack is not None:
        plan.fields = _differences(pack, pack_fields)
        plan.action = UPDATE if plan.fields else UNCHANGED
    for workflow in spec.workflows:
        current = existing.get(workflow.ref)
        if current is None:
            plan.workflows.append(WorkflowChange(workflow.ref, CREATE))
        elif workflow.fields is None:  # its row is what its files gave (rows.check_unchanged)
            plan.workflows.append(WorkflowChange(workflow.ref, UNCHANGED, id=current.pk))
        else:
            changed = _differences(current, workflow.fields)
            plan.workflows.append(
                WorkflowChange(workflow.ref, UPDATE if changed else UNCHANGED, changed, current.pk)
            )
    on_disk = {workflow.ref for workflow in spec.workflows}
    for ref, current in sorted(existing.items()):
        if ref not in on_disk:
            plan.workflows.append(WorkflowChange(ref, DELETE if prune else UNCHANGED, id=current.pk))
            if not prune:
                plan.notes.append(f"{ref}: not on disk, kept (--no-prune)")
    plan.actions, existing_actions, action_notes = action_sync.plan_actions(
        spec, pack, prune, WorkflowChange, existing
    )
    _check_ownership(spec, pack, Action, spec.actions, existing_actions, "action")
    plan.notes += action_notes
    restamp = (
        rows.stale_stamps(spec.workflows, plan.workflows, existing, UNCHANGED),
        rows.stale_stamps(spec.actions, plan.actions, existing_actions, UNCHANGED),
    )
    plan.restamped = len(restamp[0]) + len(restamp[1])
    plan.skipped = spec.unchanged
    context = {
        "pack": pack,
        "pack_fields": pack_fields,
        "existing": existing,
        "actions": existing_actions,
        "restamp": restamp,
    }
    return plan, context


def apply_plan(spec: PackSpec, plan: PackPlan, context: dict) -> Pack:
    """Write what `plan` says, with bulk operations (queries do not grow per workflow)."""
    pack = context["pack"]
    if pack is None:
        pack = Pack.objects.create(ref=spec.ref, **context["pack_fields"])
    elif plan.fields:
        for name in plan.fields:
            setattr(pack, name, context["pack_fields"][name])
        pack.save(update_fields=[*plan.fields, "updated"])
    specs = {workflow.ref: workflow for workflow in spec.workflows}
    by_action = {
        action: [c for c in plan.workflows if c.action == action] for action in (CREATE, UPDATE, DELETE)
    }
    first_revision = Workflow._meta.get_field("revision").default
    created = Workflow.objects.bulk_create(
        [
            Workflow(
                ref=c.ref,
                pack=pack,
                load_stamp=rows.stamp(specs[c.ref], first_revision),
                **specs[c.ref].fields,
            )
            for c in by_action[CREATE]
        ]
    )
    for change, workflow in zip(by_action[CREATE], created, strict=True):
        change.id = workflow.pk
    _bulk_update(context["existing"], specs, by_action[UPDATE])
    for model, stale in zip((Workflow, Action), context["restamp"], strict=True):
        if stale:
            # The stamp alone: the row's content and revision (its ETag) stay as they are.
            model.objects.bulk_update(stale, ["load_stamp"])
    if by_action[DELETE]:
        # An action file that turned from a workflow action into a runner action keeps its
        # row: unlinked first, so the workflow's delete does not cascade to it.
        relinked = [c.id for c in plan.actions if c.action == UPDATE and "workflow" in c.fields]
        Action.objects.filter(pk__in=relinked).update(workflow=None)
        Workflow.objects.filter(pk__in=[c.id for c in by_action[DELETE]]).delete()
    workflow_ids = {change.ref: change.id for change in plan.workflows if change.action != DELETE}
    action_sync.apply_actions(spec, pack, plan.actions, context["actions"], workflow_ids)
    return pack


def _bulk_update(existing: dict, specs: dict, changes: list[WorkflowChange]) -> None:
    if not changes:
        return
    now = timezone.now()
    written, names = [], set()
    for change in changes:
        workflow = existing[change.ref]
        for name in change.fields:
            setattr(workflow, name, specs[change.ref].fields[name])
        workflow.updated = now
        # The row is locked since it was read, so the UPDATE's revision is this one plus one.
        workflow.load_stamp = rows.stamp(specs[change.ref], workflow.revision + 1)
        workflow.revision = F("revision") + 1  # in the UPDATE, as Revisioned.save does
        written.append(workflow)
        names.update(change.fields)
    Workflow.objects.bulk_update(written, [*sorted(names), "load_stamp", "updated", "revision"])


def load_packs(
    specs: list[PackSpec], prune: bool = True, dry_run: bool = False, check=None
) -> list[PackPlan]:
    """Plan and apply every pack in one transaction; `dry_run` plans and writes nothing.

    `check(plan)`, when given, runs before a plan is applied and may raise to refuse it (the
    API uses it to require the workflow delete permission for a plan that prunes).
    """
    plans = []
    with transaction.atomic():
        for spec in specs:
            plan, context = plan_pack(spec, prune)
            if check is not None:
                check(plan)
            if not dry_run:
                apply_plan(spec, plan, context)
            plans.append(plan)
    return plans
