"""Migration operations for indexes the model state does not describe: most apply on one
database engine only."""

from django.db import DatabaseError, migrations

# The text `?search=` looks in, as one value an index can hold: label, description, ref and
# the tags as jsonb prints them, one per line. IMMUTABLE, as an index expression must be, and
# plain SQL the planner inlines, so rechecking a candidate row costs a concatenation.
# jsonb escapes double quotes, backslashes and control characters inside tags, so for terms holding those the
# filter skips this text (attune.filters.search_filter); it always ANDs the per-field test
# after it, so a match that only exists across a line break never widens the results.
SEARCH_TEXT_FUNCTION = "attune_search_text"
CREATE_SEARCH_TEXT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {SEARCH_TEXT_FUNCTION}(label text, description text, ref text, tags jsonb)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT label || E'\\n' || description || E'\\n' || ref || E'\\n' || tags::text $$
"""

TRGM_MISSING = (
    "The search index needs PostgreSQL's pg_trgm extension (in postgresql-contrib), and "
    "creating it failed: {error}. pg_trgm is a trusted extension, so the database owner can "
    "create it on PostgreSQL 13 and later; otherwise ask a superuser to run "
    "`CREATE EXTENSION pg_trgm;` in this database, then run `migrate` again (docs/api-workflows.md, Filters)."
)


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


def search_function() -> migrations.RunPython:
    """pg_trgm and the `attune_search_text` function the search indexes are built on
    (PostgreSQL only; SQLite searches each column with LIKE)."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        try:
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as error:
            raise RuntimeError(TRGM_MISSING.format(error=str(error).strip())) from error
        schema_editor.execute(CREATE_SEARCH_TEXT_FUNCTION)

    def drop(apps, schema_editor):
        # The extension stays: other objects in the database may use it.
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {SEARCH_TEXT_FUNCTION}(text, text, text, jsonb)")

    return migrations.RunPython(create, drop, elidable=False)


def search_index(table: str, index: str) -> migrations.RunPython:
    """A trigram GIN index over UPPER(attune_search_text(...)) of one table, serving the
    `UPPER(...) LIKE UPPER('%term%')` that `?search=` runs on PostgreSQL."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin '
                f'(UPPER({SEARCH_TEXT_FUNCTION}("label", "description", "ref", "tags")) gin_trgm_ops)'
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')

    return migrations.RunPython(create, drop, elidable=False)


def index_on_columns(
    table: str, index: str, columns: tuple[str, ...], vendor: str | None = None
) -> migrations.RunPython:
    """A plain b-tree index, kept out of the model state like the GIN ones: on any engine,
    or only on `vendor` ("sqlite", "postgresql") when given."""
    column_list = ", ".join(f'"{column}"' for column in columns)

    def applies(schema_editor) -> bool:
        return vendor is None or schema_editor.connection.vendor == vendor

    def create(apps, schema_editor):
        if applies(schema_editor):
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ({column_list})')

    def drop(apps, schema_editor):
        if applies(schema_editor):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index}"')

    return migrations.RunPython(create, drop, elidable=False)
