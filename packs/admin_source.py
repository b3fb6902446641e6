"""Where a workflow or action loaded from a pack directory came from, for its admin page.

The files are named relative to the packs directory (ATTUNE_PACKS_DIR), as an operator finds
them there; the server's absolute paths are not shown. Only paths are computed: no file is read.
"""

from pathlib import PurePath

from actions.rules import CORE_PACK_REF
from packs.ondisk import operations as disk


def source_files(item) -> list[str]:
    """The files `item` (a Workflow or an Action) was loaded from; empty if made by hand."""
    names = [getattr(item, "source_path", ""), getattr(item, "metadata_path", "")]
    names = [name for name in dict.fromkeys(names) if name]
    pack = item.pack
    if not names or not pack.source_dir:
        return []
    if pack.ref == CORE_PACK_REF:
        return [f"{name} (core pack, shipped with the server)" for name in names]
    try:
        folder = PurePath(pack.source_dir).relative_to(disk.packs_dir()).as_posix()
    except ValueError:  # registered from a directory the packs directory no longer holds
        return [f"{name} (in the pack's directory, outside the packs directory)" for name in names]
    return [f"{folder}/{name}" if folder != "." else name for name in names]


def source_context(item) -> dict:
    """What templates/admin/includes/source_notice.html shows."""
    if item is None:
        return {}
    files = source_files(item)
    return {"source_files": files, "source_pack": item.pack.ref} if files else {}
