from django.db import migrations

from attune.migration_ops import index_on_columns


class Migration(migrations.Migration):
    """What a pack re-load reads of every workflow row (packs.ondisk.stamps.stored_stamps and
    packs.ondisk.rows.light_rows), in one index that covers it, on SQLite only.

    SQLite stores a row's columns in order, and these come after the definition and the source
    texts (several KB, in overflow pages), so reading them walks every row's pages: 5 ms of
    an unchanged 1,000-workflow re-load's 6. PostgreSQL keeps long values out of line (TOAST)
    and reads the narrow columns without them, so it needs no second copy.
    """

    dependencies = [("workflows", "0007_search_index")]

    operations = [
        index_on_columns(
            "workflows_workflow",
            "workflow_load_idx",
            ("pack_id", "ref", "revision", "load_stamp", "source_path", "metadata_path"),
            vendor="sqlite",
        ),
    ]
