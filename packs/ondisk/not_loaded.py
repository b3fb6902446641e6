"""What a pack holds that this version does not load: said in notes, never skipped silently.

Attune loads more components than workflows. Their files are kept on disk, and the YAML
files of the component directories Attune reads are still parsed here: one that Attune
would refuse (broken YAML) is named in a note with its parse error, so a pack that loads
here is not silently broken for Attune.
"""

from django.conf import settings

from attune.yamlio import YamlError, load_yaml
from packs.ondisk.reader import PackReader

# Attune component directories whose YAML files Attune parses when it loads the pack.
COMPONENT_DIRS = {
    "sensors",
    "rules",
    "triggers",
    "policies",
    "permission_sets",
    "runtimes",
    "dashboards",
    "queues",
    "caches",
}
# Components of an Attune pack this version stores nothing of yet.
NOT_LOADED_DIRS = COMPONENT_DIRS | {"tests", "icon", "lib", "etc"}
YAML_SUFFIXES = (".yaml", ".yml")


def not_loaded_notes(reader: PackReader) -> list[str]:
    root = reader.root
    folders = sorted(
        e.name for e in root.iterdir() if e.is_dir() and not e.is_symlink() and e.name in NOT_LOADED_DIRS
    )
    notes = [f"{name}/: not loaded yet (this version stores workflows and actions only)" for name in folders]
    for name in folders:
        if name in COMPONENT_DIRS:
            notes += _unparsable(reader, name)
    # Sorted as paths (by their parts), the order `sorted(root.rglob("*"))` gave.
    others = sorted(
        (
            relative
            for relative in reader.all_files
            if relative not in reader.files_read and relative.split("/")[0] not in NOT_LOADED_DIRS
        ),
        key=lambda relative: relative.split("/"),
    )
    if others:
        shown = ", ".join(others[:10]) + (f" and {len(others) - 10} more" if len(others) > 10 else "")
        notes.append(f"kept on disk, not loaded: {shown}")
    return notes


def _unparsable(reader: PackReader, folder: str) -> list[str]:
    """A note for each YAML file of `folder` that does not parse (Attune would refuse it)."""
    notes = []
    for path in sorted((reader.root / folder).iterdir()):
        if not (path.name.endswith(YAML_SUFFIXES) and path.is_file() and not path.is_symlink()):
            continue
        relative = f"{folder}/{path.name}"
        if path.stat().st_size > reader.max_bytes:
            notes.append(f"{relative}: not parsed: larger than {reader.max_bytes} bytes")
            continue
        try:
            load_yaml(path.read_bytes().decode("utf-8"), settings.ATTUNE_YAML_MAX_NODES)
        except UnicodeDecodeError as exc:
            notes.append(
                f"{relative}: does not parse, Attune would refuse it: not UTF-8 text (byte {exc.start})"
            )
        except YamlError as exc:
            location = ":".join(str(p) for p in (relative, exc.line, exc.column) if p is not None)
            notes.append(f"{location}: does not parse, Attune would refuse it: {exc.message}")
    return notes
