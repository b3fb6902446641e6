from django.db import migrations

from attune.migration_ops import search_function, search_index


class Migration(migrations.Migration):
    """`?search=` through a trigram index on PostgreSQL (see attune.filters.search_filter)."""

    dependencies = [("workflows", "0005_revision")]

    operations = [
        search_function(),
        search_index("workflows_workflow", "workflow_search_trgm"),
    ]
