"""Migration operations that only apply on one database engine."""

from django.db import migrations


def gin_index_on_tags(table: str, index: str) -> migrations.RunPython:
    """A GIN index on a jsonb `tags` column, serving `tags ?| array[...]` (PostgreSQL only).

    SQLite has no GIN indexes; there the tag filter scans json_each, which is fine at the
    sizes an embedded database holds.
    """

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("tags")')

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')

    return migrations.RunPython(create, drop, elidable=False)
