"""The actions of a pack: every `actions/*.yaml` without `workflow_file` (a runner action),
and the companion action of every action-linked workflow.

Each action file is checked with the Action model's own field rules; a python or shell
action's `entry_point` must name a regular file inside the pack's `actions/` directory.
"""

import contextlib
import stat
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

from actions import rules
from actions.models import Action
from attune import validators
from attune.yamlio import YamlDocument
from packs.ondisk.reader import PackReader, boolean_rule, text_rule
from packs.ondisk.specs import ActionSpec, PackSpec, Problem, WorkflowSpec

RUNNER_KEYS = (
    "ref", "name", "label", "description", "enabled", "runner_type", "entry_point", "parameters",
    "output", "parameter_delivery", "parameter_format", "output_format", "timeout", "tags",
)  # fmt: skip
# Attune-only keys an action file may carry, as a workflow action's (workflow_files).
ATTUNE_KEYS = ("default_execution_permission_set_refs", "reference_visibility", "reference_allowed_pack_refs")
ALLOWED_KEYS = {*RUNNER_KEYS, *ATTUNE_KEYS}
CHOICES = {
    "runner_type": [c for c in Action.RunnerType.values if c != Action.RunnerType.WORKFLOW],
    "parameter_delivery": Action.ParameterDelivery.values,
    "parameter_format": Action.ParameterFormat.values,
    "output_format": Action.OutputFormat.values,
}


def read_runner_action(reader: PackReader, pack: PackSpec, relative: str, doc: YamlDocument, source):
    """The ActionSpec of one runner action file (None, with problems recorded, if it has any)."""
    before = len(reader.problems)
    data = doc.data
    ref = _action_ref(reader, pack, relative, doc)
    for key in sorted(set(data) - ALLOWED_KEYS):
        allowed = ", ".join(sorted(ALLOWED_KEYS))
        reader.problem(relative, f"unknown key '{key}' (allowed: {allowed})", doc, f"/{key}", ref)
    fields = {
        "label": data.get("label", _label(ref)),
        "description": data.get("description", ""),
        "enabled": data.get("enabled", True),
        "runner_type": data.get("runner_type"),
        "entry_point": data.get("entry_point", ""),
        "parameters": {} if data.get("parameters") is None else data["parameters"],
        "output": data.get("output"),
        "parameter_delivery": data.get("parameter_delivery", Action.ParameterDelivery.STDIN),
        "parameter_format": data.get("parameter_format", Action.ParameterFormat.JSON),
        "output_format": data.get("output_format", Action.OutputFormat.TEXT),
        "timeout": data.get("timeout"),
        "tags": data.get("tags", []),
    }
    _check_fields(reader, relative, doc, fields, ref, pack)
    if len(reader.problems) > before:
        return None
    fields.update(source_path=relative, source_text=source.text, source_sha256=source.sha256, workflow_ref="")
    return ActionSpec(ref, fields, _origin(relative, doc, ref))


def companion_action(workflow: WorkflowSpec) -> ActionSpec:
    """The `workflow` action of an action-linked workflow, from its action file."""
    fields = workflow.fields
    action_fields = {
        "label": fields["label"],
        "description": fields["description"],
        "enabled": fields["enabled"],
        "runner_type": Action.RunnerType.WORKFLOW,
        "entry_point": fields["source_path"],
        "parameters": fields["param_schema"] or {},
        "output": fields["out_schema"],
        "parameter_delivery": Action.ParameterDelivery.STDIN,
        "parameter_format": Action.ParameterFormat.JSON,
        "output_format": Action.OutputFormat.TEXT,
        "timeout": None,
        "tags": fields["tags"],
        "source_path": fields["metadata_path"],
        "source_text": fields["metadata_text"],
        "source_sha256": fields["metadata_sha256"],
        "workflow_ref": workflow.ref,
    }
    return ActionSpec(workflow.ref, action_fields, workflow.origin, workflow.stamp)


def _action_ref(reader, pack, relative, doc) -> str:
    """`ref`, else `<pack>.<name>`, else `<pack>.<file stem>`; checked like the model's."""
    data = doc.data
    if "ref" in data:
        ref, pointer = data["ref"], "/ref"
    elif isinstance(data.get("name"), str):
        ref, pointer = f"{pack.ref}.{data['name']}", "/name"
    else:
        # No key holds it: reported as `ref`, at the top of the file.
        ref, pointer = f"{pack.ref}.{PurePosixPath(relative).name.rsplit('.', 1)[0]}", "/ref"
    reader.check(relative, doc, pointer, ref, validators.validate_workflow_ref)
    if isinstance(ref, str) and pack.ref and not ref.startswith(f"{pack.ref}."):
        reader.problem(
            relative,
            f"ref '{ref}' belongs to another pack: it must start with '{pack.ref}.'",
            doc,
            pointer,
            ref,
        )
    return ref if isinstance(ref, str) else ""


def _label(ref: str) -> str:
    name = ref.rpartition(".")[2]
    return name.replace("_", " ").replace("-", " ").strip().capitalize() or ref


def _check_fields(reader, relative, doc, fields, ref, pack) -> None:
    checks = {
        "label": lambda v: text_rule(v, 1, 255),
        "description": lambda v: text_rule(v, 0, None),
        "enabled": boolean_rule,
        "parameters": validators.validate_param_schema,
        "output": lambda v: v is None or validators.validate_param_schema(v),
        "timeout": rules.validate_timeout,
        "tags": validators.validate_tags,
        **{name: _choice_rule(name) for name in CHOICES},
    }
    for name, rule in checks.items():
        if name in doc.data or name == "runner_type":
            reader.check(relative, doc, f"/{name}", fields[name], rule, ref)
    if isinstance(fields["tags"], list):
        with contextlib.suppress(ValidationError):  # already reported
            fields["tags"] = validators.normalize_tags(fields["tags"])
    for message in rules.runner_problems(pack.ref, fields["runner_type"], fields["entry_point"]):
        pointer = "/entry_point" if "entry_point" in doc.data else "/runner_type"
        reader.problem(relative, message, doc, pointer, ref)
    if fields["runner_type"] in rules.SCRIPT_RUNNERS and isinstance(fields["entry_point"], str):
        _check_entry_file(reader, relative, doc, fields["entry_point"], ref)


def _choice_rule(name):
    allowed = CHOICES[name]

    def rule(value):
        if value not in allowed:
            shown = "missing" if value is None else repr(value)
            raise ValidationError(f"{shown}; must be one of: {', '.join(allowed)}")

    return rule


def _check_entry_file(reader: PackReader, relative, doc, entry_point: str, ref) -> None:
    """The entry point is a regular file inside actions/ (no symlink is followed)."""
    if rules.entry_point_problem(entry_point):
        return  # the shape was reported by runner_problems
    path = reader.root / "actions" / entry_point
    try:
        info = path.lstat()
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        what = "does not exist" if info is None else "is not a regular file"
        reader.problem(
            relative, f"entry_point: 'actions/{entry_point}' {what} in the pack", doc, "/entry_point", ref
        )
        return
    reader.files_read.add(f"actions/{PurePosixPath(entry_point).as_posix()}")


def _origin(relative: str, doc: YamlDocument, ref: str) -> Problem:
    line, column = doc.position("/ref") if "ref" in doc.data else doc.position("")
    return Problem(relative, "", line, column, ref)


def check_unique_action_refs(reader: PackReader, specs: list[ActionSpec]) -> None:
    """A second action with one ref is reported where it is written, naming the first."""
    seen: dict[str, ActionSpec] = {}
    for spec in specs:
        both_workflows = (
            spec.ref in seen and spec.fields["workflow_ref"] and seen[spec.ref].fields["workflow_ref"]
        )
        if spec.ref in seen and not both_workflows:  # two workflows: reported as workflows
            first, here = seen[spec.ref].origin, spec.origin
            shown = ":".join(str(p) for p in (first.file, first.line) if p is not None)
            message = f"action ref '{spec.ref}' is also defined by {shown}"
            reader.problems.append(Problem(here.file, message, here.line, here.column, spec.ref))
        seen.setdefault(spec.ref, spec)
