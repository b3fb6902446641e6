"""Read a pack directory into a PackSpec: every check, no database.

The loader is pure: it reads files under one pack directory and either returns a complete,
valid description of the pack (PackSpec) or raises PackInvalid listing every problem found,
each naming its file and, where YAML gives one, the line and column. `packs.sync` turns a
PackSpec into rows. Nothing here follows a symlink or reads outside the pack directory.
"""

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError

from attune import validators
from attune.yamlio import YamlDocument, YamlError, load_yaml
from workflows.validation import definition_problems

MANIFEST = "pack.yaml"
PROGRESS_EVERY = 100  # workflows between progress reports
YAML_SUFFIXES = (".yaml", ".yml")
# pack.yaml keys and the model field each fills; the alternatives Attune's registration
# reads come second, and the documented name wins when both are present.
MANIFEST_FIELDS = {
    "label": ("label", "name"),
    "description": ("description",),
    "version": ("version",),
    "tags": ("tags", "keywords"),
    "conf_schema": ("conf_schema", "config_schema"),
    "config": ("config",),
    "meta": ("meta", "metadata"),
    "dependencies": ("dependencies",),
    "runtime_deps": ("runtime_deps",),
    "is_standard": ("system",),
    "worker_selector": ("worker_selector",),
    "worker_tolerations": ("worker_tolerations",),
    "worker_affinity": ("worker_affinity",),
}
# Kept in `meta` so nothing in the manifest is lost.
MANIFEST_META_KEYS = ("author", "email", "enabled", "testing", "contributors", "homepage", "repository")
MANIFEST_KEYS = {"ref", *(k for keys in MANIFEST_FIELDS.values() for k in keys), *MANIFEST_META_KEYS}

METADATA_KEYS = ("ref", "label", "description", "version", "tags", "enabled", "parameters", "output")
ACTION_KEYS = {
    *METADATA_KEYS,
    "workflow_file",
    "reference_visibility",
    "reference_allowed_pack_refs",
}
# Components of an Attune pack this version stores nothing of yet.
NOT_LOADED_DIRS = {
    "sensors",
    "rules",
    "triggers",
    "policies",
    "permission_sets",
    "runtimes",
    "dashboards",
    "queues",
    "caches",
    "tests",
    "icon",
    "lib",
    "etc",
}


@dataclass(frozen=True)
class Problem:
    """One reason a pack cannot be loaded, located in a file of the pack."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    ref: str = ""  # the workflow the problem belongs to, when known

    def __str__(self):
        location = ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)
        return f"{location}: {self.message}"


class PackInvalid(Exception):
    """The pack at `path` has problems; nothing of it may be written."""

    def __init__(self, path, problems: list[Problem], pack_ref: str = "", workflows_checked: int = 0):
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path, self.problems, self.pack_ref = str(path), problems, pack_ref
        self.workflows_checked = workflows_checked


@dataclass
class SourceFile:
    path: str  # relative to the pack directory, with forward slashes
    text: str
    sha256: str


@dataclass
class WorkflowSpec:
    ref: str
    fields: dict  # Workflow field -> value, source file fields included


@dataclass
class PackSpec:
    ref: str
    fields: dict  # Pack field -> value; `config` only when the manifest gives one
    source_dir: str
    workflows: list[WorkflowSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Reader:
    """Collects problems while reading one pack, so every problem is reported at once."""

    def __init__(self, root: Path, progress=None):
        self.root = root
        self.progress = progress
        self.problems: list[Problem] = []
        self.workflows_checked = 0
        self.files_read: set[str] = set()
        self.max_bytes = settings.ATTUNE_PACK_MAX_FILE_BYTES

    def problem(self, file, message, doc: YamlDocument | None = None, pointer: str = "", ref: str = ""):
        line, column = doc.position(pointer) if doc is not None else (None, None)
        self.problems.append(Problem(str(file), message, line, column, ref))

    def read(self, relative: str) -> SourceFile | None:
        self.files_read.add(relative)
        path = self.root / relative
        try:
            info = path.lstat()
        except FileNotFoundError:
            self.problem(relative, "file not found")
            return None
        if not stat.S_ISREG(info.st_mode):
            self.problem(relative, "not a regular file")
            return None
        if info.st_size > self.max_bytes:
            self.problem(relative, f"file is {info.st_size} bytes; the limit is {self.max_bytes}")
            return None
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problem(relative, f"not UTF-8 text (byte {exc.start})")
            return None
        return SourceFile(relative, text, hashlib.sha256(raw).hexdigest())

    def parse_mapping(self, source: SourceFile) -> YamlDocument | None:
        try:
            doc = load_yaml(source.text, settings.ATTUNE_YAML_MAX_NODES)
        except YamlError as exc:
            self.problems.append(Problem(source.path, exc.message, exc.line, exc.column))
            return None
        if not isinstance(doc.data, dict):
            kind = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
            self.problem(source.path, f"the top level must be a mapping, not {kind}", doc)
            return None
        return doc

    def check(self, file, doc, pointer, value, rule, ref: str = "") -> None:
        """Apply one of the model's field rules, recording its messages as problems."""
        try:
            rule(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.problem(file, f"{pointer.strip('/')}: {message}", doc, pointer, ref)


def read_pack(pack_dir, progress=None) -> PackSpec:
    """Read and check the pack in `pack_dir`; raise PackInvalid with every problem.

    `progress(count)`, when given, is called after every PROGRESS_EVERY workflows read.
    """
    root = Path(pack_dir)
    try:
        if not root.is_dir():
            raise PackInvalid(root, [Problem(str(root), "not a directory")])
        root = root.resolve()
    except (OSError, RuntimeError) as exc:  # name too long, symlink loop, permissions
        raise PackInvalid(root, [Problem(str(root), f"cannot be read: {exc}")]) from None
    reader = _Reader(root, progress)
    _check_tree(reader)
    manifest = reader.read(MANIFEST) if (root / MANIFEST).exists() else None
    if manifest is None:
        if not (root / MANIFEST).exists():
            reader.problem(MANIFEST, "missing: every pack needs a pack.yaml manifest")
        raise PackInvalid(root, reader.problems)
    doc = reader.parse_mapping(manifest)
    if doc is None:
        raise PackInvalid(root, reader.problems)
    spec = _pack_spec(reader, doc, manifest)
    workflow_specs, notes = _workflows(reader, spec)
    spec.workflows, spec.notes = workflow_specs, [*spec.notes, *notes]
    if reader.problems:
        raise PackInvalid(root, reader.problems, spec.ref, reader.workflows_checked)
    return spec


def _check_tree(reader: _Reader) -> None:
    """Refuse symlinks and special files anywhere in the pack (nothing is followed)."""
    for directory, dirnames, filenames in os.walk(reader.root, followlinks=False):
        for name in sorted([*dirnames, *filenames]):
            path = Path(directory, name)
            info = path.lstat()
            relative = path.relative_to(reader.root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                reader.problem(relative, "symlinks are not allowed in a pack")
            elif not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                reader.problem(relative, "only regular files and directories are allowed in a pack")


def _first(data: dict, keys: tuple):
    for key in keys:
        if key in data:
            return key, data[key]
    return None, None


def _pack_spec(reader: _Reader, doc: YamlDocument, manifest: SourceFile) -> PackSpec:
    data, file = doc.data, MANIFEST
    ref = data.get("ref")
    reader.check(file, doc, "/ref", ref, validators.validate_pack_ref)
    fields = {
        "source_dir": str(reader.root),
        "manifest_text": manifest.text,
        "manifest_sha256": manifest.sha256,
    }
    for field_name, keys in MANIFEST_FIELDS.items():
        key, value = _first(data, keys)
        if key is not None:
            fields[field_name] = value
    for required in ("label", "description", "version"):
        if required not in fields:
            reader.problem(file, f"'{required}' is required", doc)
    _check_pack_fields(reader, doc, fields)
    extra = {key: data[key] for key in MANIFEST_META_KEYS if key in data}
    if extra:
        fields["meta"] = {**extra, **(fields.get("meta") if isinstance(fields.get("meta"), dict) else {})}
    notes = [f"{file}: key '{key}' is not used" for key in sorted(set(data) - MANIFEST_KEYS)]
    return PackSpec(ref if isinstance(ref, str) else "", fields, str(reader.root), notes=notes)


# The model's field rules, for the manifest values that fill those fields.
PACK_FIELD_RULES = {
    "version": validators.validate_semver,
    "tags": validators.validate_tags,
    "conf_schema": validators.validate_param_schema,
    "config": validators.validate_object,
    "meta": validators.validate_object,
    "dependencies": validators.validate_pack_ref_list,
    "runtime_deps": validators.validate_string_list,
    "worker_selector": validators.validate_labels,
    "worker_tolerations": validators.validate_list,
    "worker_affinity": validators.validate_object,
    "label": lambda value: _text(value, 1, 255),
    "description": lambda value: _text(value, 0, None),
    "is_standard": lambda value: _boolean(value),
}


def _check_pack_fields(reader: _Reader, doc: YamlDocument, fields: dict) -> None:
    for name, rule in PACK_FIELD_RULES.items():
        if name in fields:
            key = _first(doc.data, MANIFEST_FIELDS[name])[0]
            reader.check(MANIFEST, doc, f"/{key}", fields[name], rule)
    if isinstance(fields.get("tags"), list):
        with contextlib.suppress(ValidationError):  # already reported
            fields["tags"] = validators.normalize_tags(fields["tags"])
    if isinstance(fields.get("conf_schema"), dict) and isinstance(fields.get("config"), dict):
        for message in validators.config_problems(fields["conf_schema"], fields["config"]):
            reader.problem(MANIFEST, f"config does not match conf_schema: {message}", doc, "/config")
    if isinstance(fields.get("dependencies"), list) and doc.data.get("ref") in fields["dependencies"]:
        reader.problem(MANIFEST, "dependencies: a pack cannot depend on itself", doc, "/dependencies")


def _workflows(reader: _Reader, pack: PackSpec) -> tuple[list[WorkflowSpec], list[str]]:
    specs, notes = [], []
    for relative in _yaml_files(reader.root, "actions"):
        spec, note = _action_workflow(reader, pack, relative)
        specs += [spec] if spec else []
        notes += [note] if note else []
    for relative in _yaml_files(reader.root, "workflows"):
        spec = _standalone_workflow(reader, pack, relative)
        specs += [spec] if spec else []
    _check_unique_refs(reader, specs)
    notes += _not_loaded(reader)
    return specs, notes


def _yaml_files(root: Path, folder: str) -> list[str]:
    directory = root / folder
    if not directory.is_dir() or directory.is_symlink():
        return []
    return sorted(
        f"{folder}/{entry.name}"
        for entry in directory.iterdir()
        if entry.name.endswith(YAML_SUFFIXES) and entry.is_file() and not entry.is_symlink()
    )


def _not_loaded(reader: _Reader) -> list[str]:
    """Say what the pack holds that this version does not load, so nothing is silently skipped."""
    root = reader.root
    folders = sorted(
        e.name for e in root.iterdir() if e.is_dir() and not e.is_symlink() and e.name in NOT_LOADED_DIRS
    )
    notes = [f"{name}/: not loaded yet (this version stores workflows only)" for name in folders]
    others = [
        relative
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and (relative := path.relative_to(root).as_posix()) not in reader.files_read
        and relative.split("/")[0] not in NOT_LOADED_DIRS
    ]
    if others:
        shown = ", ".join(others[:10]) + (f" and {len(others) - 10} more" if len(others) > 10 else "")
        notes.append(f"kept on disk, not loaded: {shown}")
    return notes


def _action_workflow(reader: _Reader, pack: PackSpec, relative: str):
    source = reader.read(relative)
    doc = reader.parse_mapping(source) if source else None
    if doc is None:
        return None, None
    if "workflow_file" not in doc.data:
        return None, f"{relative}: action, not loaded yet (only workflow actions are)"
    ref = doc.data.get("ref")
    _check_keys(reader, relative, doc, ACTION_KEYS, str(ref or ""))
    if ref is None:
        reader.problem(relative, "'ref' is required in a workflow action (e.g. ref: <pack>.<name>)", doc)
        return None, None
    graph_path = _workflow_file_path(reader, relative, doc)
    if graph_path is None:
        return None, None
    graph_source = reader.read(graph_path)
    graph = reader.parse_mapping(graph_source) if graph_source else None
    if graph is None:
        return None, None
    metadata = {key: doc.data[key] for key in METADATA_KEYS if key in doc.data}
    for key in ("parameters", "output"):
        if key not in metadata and key in graph.data:
            metadata[key] = graph.data[key]
    spec = _workflow_spec(reader, pack, metadata, graph, graph_source, relative, doc)
    if spec is not None:
        spec.fields.update(metadata_path=relative, metadata_text=source.text, metadata_sha256=source.sha256)
    return spec, None


def _workflow_file_path(reader: _Reader, relative: str, doc: YamlDocument) -> str | None:
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


def _standalone_workflow(reader: _Reader, pack: PackSpec, relative: str):
    source = reader.read(relative)
    doc = reader.parse_mapping(source) if source else None
    if doc is None:
        return None
    stem = PurePosixPath(relative).name.rsplit(".", 1)[0].removesuffix(".workflow")
    metadata = {key: doc.data[key] for key in METADATA_KEYS if key in doc.data}
    metadata.setdefault("ref", f"{pack.ref}.{stem}")
    return _workflow_spec(reader, pack, metadata, doc, source, relative, doc)


def _check_keys(reader, relative, doc, allowed, ref) -> None:
    for key in sorted(set(doc.data) - allowed):
        reader.problem(
            relative, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", doc, f"/{key}", ref
        )


def _workflow_spec(reader, pack, metadata, graph, graph_source, meta_file, meta_doc) -> WorkflowSpec | None:
    """Check one workflow's metadata and graph; return its spec if it has no problem."""
    reader.workflows_checked += 1
    if reader.progress and reader.workflows_checked % PROGRESS_EVERY == 0:
        reader.progress(reader.workflows_checked)
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
    fields = {
        "label": metadata.get("label", name.replace("_", " ").replace("-", " ").strip().capitalize()),
        "description": metadata.get("description", ""),
        "version": metadata.get("version", graph.data.get("version", pack.fields.get("version"))),
        "tags": metadata.get("tags", []),
        "enabled": metadata.get("enabled", True),
        "param_schema": metadata.get("parameters"),
        "out_schema": metadata.get("output"),
        "definition": {k: v for k, v in graph.data.items() if k not in METADATA_KEYS or k == "version"},
    }
    version_given = "version" in metadata or "version" in graph.data
    _check_workflow_fields(reader, fields, meta_file, meta_doc, ref, check_version=version_given)
    for problem in definition_problems(fields["definition"]):
        if problem.severity == "error":
            line, column = graph.position(problem.path)
            reader.problems.append(Problem(graph_source.path, problem.message, line, column, ref))
    if len(reader.problems) > before:
        return None
    fields.update(
        source_path=graph_source.path,
        source_text=graph_source.text,
        source_sha256=graph_source.sha256,
        metadata_path="",
        metadata_text="",
        metadata_sha256="",
    )
    return WorkflowSpec(ref, fields)


def _check_workflow_fields(reader, fields, file, doc, ref, check_version: bool) -> None:
    checks = (
        ("label", "/label", lambda v: _text(v, 1, 255)),
        ("description", "/description", lambda v: _text(v, 0, None)),
        ("version", "/version", validators.validate_semver),
        ("tags", "/tags", validators.validate_tags),
        ("enabled", "/enabled", _boolean),
        ("param_schema", "/parameters", validators.validate_param_schema),
        ("out_schema", "/output", validators.validate_param_schema),
    )
    for name, pointer, rule in checks:
        if name in ("param_schema", "out_schema") and fields[name] is None:
            continue
        if name == "version" and not check_version:
            continue  # the pack's version, checked (and reported) with pack.yaml
        reader.check(file, doc, pointer, fields[name], rule, ref)
    if isinstance(fields["tags"], list):
        with contextlib.suppress(ValidationError):  # already reported
            fields["tags"] = validators.normalize_tags(fields["tags"])


def _text(value, minimum: int, maximum: int | None) -> None:
    if not isinstance(value, str):
        raise ValidationError("must be text")
    if len(value) < minimum or (maximum is not None and len(value) > maximum):
        raise ValidationError(f"must be {minimum}-{maximum} characters" if maximum else "must not be empty")


def _boolean(value) -> None:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false")


def _check_unique_refs(reader: _Reader, specs: list[WorkflowSpec]) -> None:
    seen: dict[str, WorkflowSpec] = {}
    for spec in specs:
        if spec.ref in seen:
            first = seen[spec.ref].fields
            reader.problem(
                spec.fields["metadata_path"] or spec.fields["source_path"],
                f"workflow ref '{spec.ref}' is also defined by {first['metadata_path'] or first['source_path']}",
                ref=spec.ref,
            )
        seen.setdefault(spec.ref, spec)
