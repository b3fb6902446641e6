"""The core pack: shipped in actions/core_pack/, installed and kept current by `migrate`.

`install_core_pack` loads the directory through the normal pack loader (plan, one
transaction, prune), so a migrate with unchanged files writes no row. It runs on
`post_migrate`, which Django also sends after a test database is created or flushed.
"""

from pathlib import Path

from actions.rules import CORE_PACK_REF

CORE_PACK_DIR = Path(__file__).resolve().parent / "core_pack"


def is_core_pack_dir(path) -> bool:
    return Path(path).resolve() == CORE_PACK_DIR


def install_core_pack():
    """Load (or re-sync) the core pack; returns its plan."""
    # Imported here: the loader imports the models, and this module is imported by apps.py.
    from packs.ondisk.loader import read_pack
    from packs.ondisk.sync import load_packs
    from workflows.models import Workflow

    spec = read_pack(CORE_PACK_DIR)
    assert spec.ref == CORE_PACK_REF, spec.ref
    # The shipped pack has no workflows. A `core` pack made by hand before this version may
    # hold some: taking the pack over must not delete them, so such a pack is not pruned.
    keep_workflows = Workflow.objects.filter(pack__ref=CORE_PACK_REF).exists()
    return load_packs([spec], prune=not keep_workflows)[0]


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver (sent once per app; connected for this app only)."""
    from django.db import connections

    from actions.models import Action

    # A migrate back to before the actions table (`migrate actions zero`) has nothing to fill.
    if Action._meta.db_table in connections[using].introspection.table_names():
        install_core_pack()
