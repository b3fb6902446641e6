from django.db import migrations

from attune.migration_ops import index_on_columns, search_function, search_index


class Migration(migrations.Migration):
    """The list filters at scale: `?search=` through a trigram index on PostgreSQL (see
    attune.filters.search_filter), and `?pack_ref=` with the list's ordering through one index."""

    dependencies = [("workflows", "0006_load_stamp")]

    operations = [
        search_function(),
        search_index("workflows_workflow", "workflow_search_trgm"),
        # One pack's rows in ORDER BY label, ref: the count and page 1 of `?pack_ref=` read
        # only that pack's index entries.
        index_on_columns("workflows_workflow", "workflow_pack_label_ref_idx", ("pack_id", "label", "ref")),
    ]
