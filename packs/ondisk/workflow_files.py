"""The workflows of a pack: action-linked (actions/ + actions/workflows/) and standalone
(workflows/). Each is checked with the model's own field rules and the workflow validator."""

import contextlib
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError

from attune import validators
from attune.yamlio import YamlDocument
from packs.ondisk import stamps
from packs.ondisk.action_files import check_unique_action_refs, companion_action, read_runner_action
from packs.ondisk.not_loaded import not_loaded_notes
from packs.ondisk.reader import PackReader, boolean_rule, text_rule
from packs.ondisk.specs import ActionSpec, PackSpec, Problem, WorkflowSpec
from workflows.validation import check_definition

PROGRESS_EVERY = 100  # workflows between progress reports
YAML_SUFFIXES = (".yaml", ".yml")
METADATA_KEYS = ("ref", "label", "description", "version", "tags", "enabled", "parameters", "output")
ACTION_KEYS = {
    *METADATA_KEYS,
    "workflow_file",
    "reference_visibility",
    "reference_allowed_pack_refs",
    "name",  # Attune's action files repeat the name; the ref is what counts
    "default_execution_permission_set_refs",
}
# Action keys for Attune features this server does not have: accepted, checked, noted.
EXECUTION_TOKENS_NOTE = (
    "default_execution_permission_set_refs: kept in the action file, not applied: this server "
    "does not issue Attune's execution-scoped API tokens"
)


def read_workflows(reader: PackReader, pack: PackSpec) -> tuple[list[WorkflowSpec], list[str]]:
    """The pack's workflows; its actions (runner and companion) go to `pack.actions`."""
    specs, actions, notes = [], [], []
    for relative in _yaml_files(reader, "actions"):
        spec, action, found = _action_file(reader, pack, relative)
        specs += [spec] if spec else []
        actions += [action] if action else []
        notes += found
    for relative in _yaml_files(reader, "workflows"):
        spec = _standalone_workflow(reader, pack, relative)
        specs += [spec] if spec else []
    _check_unique_refs(reader, specs)
    check_unique_action_refs(reader, actions)
    pack.actions = actions
    pack.external_workflows = external_workflows(specs)
    pack.external_actions = external_actions(specs, {action.ref for action in actions})
    notes += not_loaded_notes(reader)
    pack.unchanged = reader.unchanged
    return specs, notes


def _yaml_files(reader: PackReader, folder: str) -> list[str]:
    """The YAML files right inside `folder`, from the regular files the tree check listed."""
    prefix = f"{folder}/"
    return sorted(
        relative
        for relative in reader.all_files
        if relative.startswith(prefix)
        and "/" not in relative[len(prefix) :]
        and relative.endswith(YAML_SUFFIXES)
    )


def _action_file(reader: PackReader, pack: PackSpec, relative: str):
    """(workflow spec, action spec, notes) of one action file: a runner action, or an
    action-linked workflow with its companion `workflow` action."""
    source = reader.read(relative)
    unchanged = _unchanged(reader, relative, source) if source else None
    if unchanged is not None:
        # Its companion action is filled in with the workflow, from the stored row.
        companion = ActionSpec(
            unchanged.ref, {"workflow_ref": unchanged.ref}, unchanged.origin, unchanged.stamp, True
        )
        return unchanged, companion, []
    doc = reader.parse_mapping(source) if source else None
    if doc is None:
        return None, None, []
    if "workflow_file" not in doc.data:
        notes = _attune_action_keys(reader, relative, doc, str(doc.data.get("ref") or ""))
        return None, read_runner_action(reader, pack, relative, doc, source), notes
    spec, notes = _action_workflow(reader, pack, relative, source, doc)
    return spec, companion_action(spec) if spec else None, notes


def _action_workflow(reader: PackReader, pack: PackSpec, relative: str, source, doc):
    ref = doc.data.get("ref")
    _check_keys(reader, relative, doc, ACTION_KEYS, str(ref or ""))
    notes = _attune_action_keys(reader, relative, doc, str(ref or ""))
    if ref is None:
        reader.problem(relative, "'ref' is required in a workflow action (e.g. ref: <pack>.<name>)", doc)
        return None, notes
    graph_path = _workflow_file_path(reader, relative, doc)
    if graph_path is None:
        return None, notes
    graph_source = reader.read(graph_path)
    graph = reader.parse_mapping(graph_source) if graph_source else None
    if graph is None:
        return None, notes
    metadata = {key: doc.data[key] for key in METADATA_KEYS if key in doc.data}
    spec = _workflow_spec(reader, pack, metadata, graph, graph_source, relative, doc)
    if spec is not None:
        spec.fields.update(metadata_path=relative, metadata_text=source.text, metadata_sha256=source.sha256)
        spec.stamp = stamps.base_stamp(reader.stamp_key, reader.defaults, source, graph_source)
    return spec, notes


def _unchanged(reader: PackReader, relative: str, source) -> WorkflowSpec | None:
    """A spec without fields when `relative` (and its graph file) are the files the stored
    row's stamp vouches for (packs.ondisk.stamps); None when the workflow must be validated."""
    stored = reader.stored.get(relative)
    if stored is None:
        return None
    ref, graph_path, stored_stamp, revision = stored
    standalone = graph_path == relative
    graph = source if standalone else reader.read(graph_path, quiet=True)
    if graph is None:
        return None  # reported when the action file is read in full
    base = stamps.base_stamp(reader.stamp_key, reader.defaults, None if standalone else source, graph)
    if stamps.bound_stamp(base, revision) != stored_stamp:
        return None
    reader.files_read.add(graph_path)
    reader.unchanged += 1
    _count_checked(reader)
    return WorkflowSpec(ref, None, Problem(relative, "", None, None, ref), base, revision)


def _count_checked(reader: PackReader) -> None:
    reader.workflows_checked += 1
    if reader.progress and reader.workflows_checked % PROGRESS_EVERY == 0:
        reader.progress(reader.workflows_checked)


def _attune_action_keys(reader, relative, doc, ref) -> list[str]:
    """Check the Attune-only action keys' shapes; say what is not applied here."""
    if "name" in doc.data:
        reader.check(relative, doc, "/name", doc.data["name"], lambda v: text_rule(v, 1, 255), ref)
    if "default_execution_permission_set_refs" not in doc.data:
        return []
    reader.check(
        relative,
        doc,
        "/default_execution_permission_set_refs",
        doc.data["default_execution_permission_set_refs"],
        validators.validate_string_list,
        ref,
    )
    line, _ = doc.position("/default_execution_permission_set_refs")
    return [f"{relative}:{line}: {EXECUTION_TOKENS_NOTE}"]


def _workflow_file_path(reader: PackReader, relative: str, doc: YamlDocument) -> str | None:
    """`workflow_file` relative to actions/, which must stay inside actions/workflows/."""
    value = doc.data["workflow_file"]
    where = {"doc": doc, "pointer": "/workflow_file"}
    if not isinstance(value, str) or not value.strip():
        reader.problem(
            relative, "workflow_file: must be a path such as workflows/<name>.workflow.yaml", **where
        )
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != ("workflows",) or len(path.parts) < 2:
        reader.problem(
            relative, f"workflow_file: '{value}' must be a relative path inside actions/workflows/", **where
        )
        return None
    target = (reader.root / "actions" / path).resolve()
    if not target.is_relative_to((reader.root / "actions" / "workflows").resolve()):
        reader.problem(relative, f"workflow_file: '{value}' leads outside actions/workflows/", **where)
        return None
    return f"actions/{path.as_posix()}"


def _standalone_workflow(reader: PackReader, pack: PackSpec, relative: str):
    source = reader.read(relative)
    unchanged = _unchanged(reader, relative, source) if source else None
    if unchanged is not None:
        return unchanged
    doc = reader.parse_mapping(source) if source else None
    if doc is None:
        return None
    stem = PurePosixPath(relative).name.rsplit(".", 1)[0].removesuffix(".workflow")
    metadata = {key: doc.data[key] for key in METADATA_KEYS if key in doc.data}
    metadata.setdefault("ref", f"{pack.ref}.{stem}")
    spec = _workflow_spec(reader, pack, metadata, doc, source, relative, doc)
    if spec is not None:
        spec.stamp = stamps.base_stamp(reader.stamp_key, reader.defaults, None, source)
    return spec


def _check_keys(reader, relative, doc, allowed, ref) -> None:
    for key in sorted(set(doc.data) - allowed):
        reader.problem(
            relative, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", doc, f"/{key}", ref
        )


def _workflow_spec(reader, pack, metadata, graph, graph_source, meta_file, meta_doc) -> WorkflowSpec | None:
    """Check one workflow's metadata and graph; return its spec if it has no problem.

    A value may come from the metadata (action) file or, failing that, the graph file:
    each problem names the file and line where the value is written.
    """
    _count_checked(reader)
    before = len(reader.problems)
    ref = metadata["ref"]
    reader.check(meta_file, meta_doc, "/ref", ref, validators.validate_workflow_ref)
    if isinstance(ref, str) and pack.ref and not ref.startswith(f"{pack.ref}."):
        reader.problem(
            meta_file,
            f"ref '{ref}' belongs to another pack: it must start with '{pack.ref}.'",
            meta_doc,
            "/ref",
            ref,
        )
    ref = ref if isinstance(ref, str) else ""
    name = ref.partition(".")[2] or ref
    places = {}  # field -> (file, doc, pointer) of the value checked
    for field_name, key in (("version", "version"), ("param_schema", "parameters"), ("out_schema", "output")):
        if key in metadata and not (field_name == "version" and meta_doc is graph):
            places[field_name] = (meta_file, meta_doc, f"/{key}")
        elif key in graph.data and key not in metadata:
            metadata[key] = graph.data[key]
            if field_name != "version":  # a graph's own `version` is checked with the definition
                places[field_name] = (graph_source.path, graph, f"/{key}")
    fields = {
        "label": metadata.get("label", name.replace("_", " ").replace("-", " ").strip().capitalize()),
        "description": metadata.get("description", ""),
        # Without one, the pack's version (checked, and reported, with pack.yaml).
        "version": metadata.get("version", pack.fields.get("version")),
        "tags": metadata.get("tags", []),
        "enabled": metadata.get("enabled", True),
        "param_schema": metadata.get("parameters"),
        "out_schema": metadata.get("output"),
        "definition": {k: v for k, v in graph.data.items() if k not in METADATA_KEYS or k == "version"},
    }
    _check_workflow_fields(reader, fields, meta_file, meta_doc, ref, places)
    # The definition names its language version; a graph file without one gets the workflow's.
    if len(reader.problems) == before:  # a bad version is reported once, where it is written
        fields["definition"].setdefault("version", fields["version"])
    report = check_definition(fields["definition"], param_schema=fields["param_schema"], doc=graph)
    for diagnostic in report.diagnostics:
        problem = Problem(
            graph_source.path,
            f"{diagnostic.code}: {diagnostic.message}",
            diagnostic.line,
            diagnostic.column,
            ref,
        )
        if diagnostic.severity == "error":
            reader.problems.append(problem)
        else:
            reader.warnings.append(f"{problem} (warning)")
    if len(reader.problems) > before:
        return None
    fields["definition"] = report.definition
    fields.update(
        source_path=graph_source.path,
        source_text=graph_source.text,
        source_sha256=graph_source.sha256,
        metadata_path="",
        metadata_text="",
        metadata_sha256="",
    )
    line, column = meta_doc.position("/ref") if "ref" in meta_doc.data else (None, None)
    return WorkflowSpec(ref, fields, Problem(meta_file, "", line, column, ref))


def _check_workflow_fields(reader, fields, file, doc, ref, places: dict) -> None:
    checks = (
        ("label", "/label", lambda v: text_rule(v, 1, 255)),
        ("description", "/description", lambda v: text_rule(v, 0, None)),
        ("version", "/version", validators.validate_workflow_version),
        ("tags", "/tags", validators.validate_tags),
        ("enabled", "/enabled", boolean_rule),
        ("param_schema", "/parameters", validators.validate_param_schema),
        ("out_schema", "/output", validators.validate_param_schema),
    )
    for name, pointer, rule in checks:
        if name in ("version", "param_schema", "out_schema"):
            if name not in places:
                continue  # absent, or the pack's version (checked with pack.yaml)
            where_file, where_doc, pointer = places[name]
            reader.check(where_file, where_doc, pointer, fields[name], rule, ref)
            continue
        reader.check(file, doc, pointer, fields[name], rule, ref)
    if isinstance(fields["tags"], list):
        with contextlib.suppress(ValidationError):  # already reported
            fields["tags"] = validators.normalize_tags(fields["tags"])


def _check_unique_refs(reader: PackReader, specs: list[WorkflowSpec]) -> None:
    """A second definition of a ref is reported where it is written, naming the first."""
    seen: dict[str, WorkflowSpec] = {}
    for spec in specs:
        if spec.ref in seen:
            first, here = seen[spec.ref].origin, spec.origin
            shown = ":".join(str(p) for p in (first.file, first.line) if p is not None)
            message = f"workflow ref '{spec.ref}' is also defined by {shown}"
            reader.problems.append(Problem(here.file, message, here.line, here.column, spec.ref))
        seen.setdefault(spec.ref, spec)


def external_workflows(specs: list[WorkflowSpec]) -> dict[str, str]:
    """Workflow refs that `type: workflow` tasks name and this pack does not define (specs
    not yet filled from their rows are left for the sync to count)."""
    own = {spec.ref for spec in specs}
    external = {}
    for spec in specs:
        if spec.fields is None:
            continue
        for task in _tasks(spec.fields["definition"].get("tasks") or []):
            action = task.get("action")
            if task.get("type") == "workflow" and isinstance(action, str) and action not in own:
                external.setdefault(action, f"{spec.fields['source_path']} (task {task.get('name')})")
    return external


def external_actions(specs: list[WorkflowSpec], own: set[str]) -> dict[str, str]:
    """Action refs that action tasks (any type but `workflow`) name and this pack does not define."""
    external = {}
    for spec in specs:
        if spec.fields is None:
            continue
        for task in _tasks(spec.fields["definition"].get("tasks") or []):
            action = task.get("action")
            if task.get("type", "action") == "action" and isinstance(action, str) and action not in own:
                external.setdefault(action, f"{spec.fields['source_path']} (task {task.get('name')})")
    return external


def _tasks(tasks):
    for task in tasks:
        if isinstance(task, dict):
            yield task
            yield from _tasks(task.get("tasks") or [])
