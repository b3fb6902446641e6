"""Read a pack directory into a PackSpec: every check, no database.

The loader is pure: it reads files under one pack directory and either returns a complete,
valid description of the pack (PackSpec) or raises PackInvalid listing every problem found,
each naming its file and, where YAML gives one, the line and column. `packs.ondisk.sync` turns a
PackSpec into rows. Nothing here follows a symlink or reads outside the pack directory.
"""

import contextlib
import os
from pathlib import Path

from django.core.exceptions import ValidationError

from attune import validators
from attune.yamlio import YamlDocument
from packs.ondisk import stamps
from packs.ondisk.reader import PackReader, boolean_rule, text_rule
from packs.ondisk.specs import PackInvalid, PackSpec, Problem, SourceFile, WorkflowSpec
from packs.ondisk.workflow_files import read_workflows

__all__ = ["PackInvalid", "PackSpec", "Problem", "SourceFile", "WorkflowSpec", "read_pack"]

MANIFEST = "pack.yaml"
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


def read_pack(pack_dir, progress=None, stored=None) -> PackSpec:
    """Read and check the pack in `pack_dir`; raise PackInvalid with every problem.

    `progress(count)`, when given, is called after every PROGRESS_EVERY workflows read.
    `stored(pack_ref)`, when given (packs.ondisk.stamps.stored_stamps), names the stamped
    rows of the pack: a workflow whose files are those a stamp vouches for is not validated
    again, and its spec is left without fields for the sync to fill from the row.
    """
    root = Path(pack_dir)
    try:
        if not root.is_dir():
            raise PackInvalid(root, [Problem(str(root), "not a directory")])
        root = root.resolve()
    except (OSError, RuntimeError) as exc:  # name too long, symlink loop, permissions
        raise PackInvalid(root, [Problem(str(root), f"cannot be read: {exc}")]) from None
    reader = PackReader(root, progress)
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
    reader.stamp_key, reader.defaults = stamps.load_key(), stamps.pack_defaults(spec)
    if stored is not None and spec.ref:
        reader.stored = stored(spec.ref)
    workflow_specs, notes = read_workflows(reader, spec)
    spec.workflows, spec.notes = workflow_specs, [*spec.notes, *notes, *reader.warnings]
    if reader.problems:
        raise PackInvalid(root, reader.problems, spec.ref, reader.workflows_checked)
    return spec


def _check_tree(reader: PackReader) -> None:
    """Refuse symlinks and special files anywhere in the pack (nothing is followed); list
    every regular file in `reader.all_files` for the notes on what is not loaded.

    scandir's entry types come with the directory listing: no stat per file.
    """
    directories = [""]
    while directories:
        directory = directories.pop()
        with os.scandir(os.path.join(reader.root, directory)) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
        below = []
        for entry in entries:
            relative = f"{directory}/{entry.name}" if directory else entry.name
            if entry.is_symlink():
                reader.problem(relative, "symlinks are not allowed in a pack")
            elif entry.is_dir(follow_symlinks=False):
                below.append(relative)
            elif entry.is_file(follow_symlinks=False):
                reader.all_files.append(relative)
            else:
                reader.problem(relative, "only regular files and directories are allowed in a pack")
        directories += reversed(below)  # depth first, in name order


def _first(data: dict, keys: tuple):
    for key in keys:
        if key in data:
            return key, data[key]
    return None, None


def _manifest_ref(reader: PackReader, doc: YamlDocument) -> tuple[str | None, list[str]]:
    """The pack's ref: `ref`, else a StackStorm manifest's `name` when that is a valid ref."""
    data = doc.data
    if "ref" in data:
        reader.check(MANIFEST, doc, "/ref", data["ref"], validators.validate_pack_ref)
        return data["ref"], []
    name = data.get("name")
    if isinstance(name, str):
        try:
            validators.validate_pack_ref(name)
        except ValidationError:
            reader.problem(
                MANIFEST,
                f"`ref` is missing, and `name` {name!r} is not a valid pack ref to use instead: "
                "add `ref: <pack_ref>` (lowercase letters, digits, '_' or '-')",
                doc,
                "/name",
            )
            return None, []
        return name, [
            f"{MANIFEST}: no `ref`; the pack's `name` '{name}' is used as its ref (StackStorm layout)"
        ]
    reader.problem(MANIFEST, "`ref` is missing: add `ref: <pack_ref>` (e.g. ref: my_pack)", doc)
    return None, []


def _pack_spec(reader: PackReader, doc: YamlDocument, manifest: SourceFile) -> PackSpec:
    data, file = doc.data, MANIFEST
    ref, notes = _manifest_ref(reader, doc)
    fields = {
        "source_dir": str(reader.root),
        "manifest_text": manifest.text,
        "manifest_sha256": manifest.sha256,
    }
    for field_name, keys in MANIFEST_FIELDS.items():
        key, value = _first(data, keys)
        if key is not None:
            fields[field_name] = value
    # As Attune's checker: only `ref` and `version` are required; the label falls back to the ref.
    if "label" not in fields and isinstance(ref, str):
        fields["label"] = ref
    if "version" not in fields:
        reader.problem(file, "'version' is required (a semantic version, e.g. version: \"1.0.0\")", doc)
    _check_pack_fields(reader, doc, fields)
    extra = {key: data[key] for key in MANIFEST_META_KEYS if key in data}
    if extra:
        fields["meta"] = {**extra, **(fields.get("meta") if isinstance(fields.get("meta"), dict) else {})}
    notes += [f"{file}: key '{key}' is not used" for key in sorted(set(data) - MANIFEST_KEYS)]
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
    "label": lambda value: text_rule(value, 1, 255),
    "description": lambda value: text_rule(value, 0, None),
    "is_standard": boolean_rule,
}


def _check_pack_fields(reader: PackReader, doc: YamlDocument, fields: dict) -> None:
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
