"""Load stamps: a workflow whose files have not changed since it was loaded is not validated again.

Each workflow row a load writes gets a stamp: the SHA-256 of its files' hashes and paths, the
load key and the row's revision. On the next load, a workflow whose files hash the same, under
the same load key, to the stamp of a row still at that revision is taken from the row as
validated (its fields are the row's, read under the load's lock); anything else is read and
validated in full. So a skip can never leave the database different from a full load:

* the files changed: other hashes, other stamp;
* the validator, the loader or their settings changed: another load key (`load_key`);
* pack.yaml's values that workflows inherit (the pack ref, the default version) changed:
  they are part of the stamp (`base_stamp`);
* the row was edited through the API or the admin: every write bumps `revision`, and the
  stamp names the revision it was written at.

`manage.py load_pack --full` validates every file whatever its stamp.
"""

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from django.conf import settings

from workflows.models import Workflow

STAMP_FORMAT = "1"  # bump when what a stamp covers changes
# Libraries whose behaviour decides what a load produces (parsing, schema, templates, graph).
PACKAGES = ("PyYAML", "Jinja2", "jsonschema", "jsonschema-rs", "networkx", "Django")
# Our code that reads and judges a pack: any change to it is a new load key, so an upgrade
# re-validates everything once without anyone remembering to bump a version.
SOURCES = (
    "workflows/validation",
    "packs/ondisk",
    "attune/yamlio.py",
    "attune/validators.py",
    "attune/storable.py",
    "actions/rules.py",
)
# Settings the reader and the validator apply: a lower limit must re-check every file.
SETTINGS = (
    "ATTUNE_PACK_MAX_FILE_BYTES",
    "ATTUNE_YAML_MAX_NODES",
    "ATTUNE_MAX_NESTING_DEPTH",
    "ATTUNE_DEFINITION_MAX_BYTES",
    "ATTUNE_WORKFLOW_MAX_TASKS",
    "ATTUNE_WORKFLOW_MAX_DEPTH",
    "ATTUNE_TEMPLATE_MAX_LENGTH",
)


def _sha256(*parts) -> str:
    return hashlib.sha256("\0".join(str(part) for part in parts).encode()).hexdigest()


@lru_cache(maxsize=1)
def code_key() -> str:
    """The packages' versions and our sources' content (read once per process)."""
    versions = [f"{name}={metadata.version(name)}" for name in PACKAGES]
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for source in SOURCES:
        path = root / source
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return _sha256(STAMP_FORMAT, *versions, digest.hexdigest())


def load_key() -> str:
    """What, besides a workflow's files, decides what loading them produces."""
    return _sha256(code_key(), *(f"{name}={getattr(settings, name, None)!r}" for name in SETTINGS))


def pack_defaults(pack) -> tuple:
    """The pack.yaml values a workflow inherits: its ref prefix and its default version."""
    return pack.ref, repr(pack.fields.get("version"))


def base_stamp(key: str, defaults: tuple, metadata_file, graph_file) -> str:
    """The stamp of one workflow's files (SourceFiles; `metadata_file` None when standalone)."""
    meta = (metadata_file.path, metadata_file.sha256) if metadata_file is not None else ("", "")
    return _sha256(key, *defaults, *meta, graph_file.path, graph_file.sha256)


def bound_stamp(base: str, revision: int) -> str:
    """The stamp as stored: bound to the revision of the row it vouches for."""
    return _sha256(base, revision)


def stored_stamps(pack_ref: str) -> dict[str, tuple]:
    """The pack's stamped workflows by the file they are read from first (the action file of
    an action-linked workflow, else the graph file): (ref, source_path, stamp, revision)."""
    rows = (
        Workflow.objects.filter(pack__ref=pack_ref)
        .exclude(load_stamp="")
        .order_by()
        .values_list("ref", "source_path", "metadata_path", "load_stamp", "revision")
    )
    return {meta or source: (ref, source, stamp, revision) for ref, source, meta, stamp, revision in rows}
