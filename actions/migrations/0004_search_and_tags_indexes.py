from django.db import migrations

from attune.migration_ops import gin_index_on_tags, index_on_columns, search_index


class Migration(migrations.Migration):
    """`?search=` / `?q=` through a trigram index and `?tags=` through a GIN index on
    PostgreSQL, as for workflows."""

    # The search function and pg_trgm come with the workflows migration.
    dependencies = [("actions", "0003_load_stamp"), ("workflows", "0007_search_index")]

    operations = [
        search_index("actions_action", "action_search_trgm"),
        gin_index_on_tags("actions_action", "action_tags_gin"),
        # One pack's actions in ORDER BY ref, for `?pack_ref=`.
        index_on_columns("actions_action", "action_pack_ref_idx", ("pack_id", "ref")),
    ]
