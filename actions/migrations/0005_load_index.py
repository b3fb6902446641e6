from django.db import migrations

from attune.migration_ops import index_on_columns


class Migration(migrations.Migration):
    """What a pack re-load reads of every action row (packs.ondisk.rows.light_rows), in one
    index that covers it, on SQLite only: there the row's later columns sit behind its source
    text (workflows 0008_load_index says more)."""

    dependencies = [("actions", "0004_search_and_tags_indexes")]

    operations = [
        index_on_columns(
            "actions_action",
            "action_load_idx",
            ("pack_id", "ref", "revision", "load_stamp", "workflow_id"),
            vendor="sqlite",
        ),
    ]
