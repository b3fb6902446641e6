"""A JSON list-of-tags model field with database-side tag lookups.

`tags__any_tag=["a", "b"]` matches rows having at least one of the tags exactly;
`tags__tag_icontains="x"` matches rows with a tag containing x, case-insensitively.
On PostgreSQL the first is jsonb's `?|` operator, which the GIN index on tags serves;
on SQLite both use json_each. Both run in the database, so pagination counts stay right.

The SQL is built from the compiled column expression (`lhs`) and placeholders only; every
user-supplied value travels as a bound parameter (hence the S608 suppressions).
"""

from django.db import models
from django.db.models import Lookup

from attune.validators import normalize_tags


class TagsField(models.JSONField):
    description = "A list of unique, trimmed tags"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        # Model.full_clean() stores what this returns, so admin input is normalised too.
        value = super().to_python(value)
        return normalize_tags(value) if isinstance(value, list) else value

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        normalize_tags(value)


@TagsField.register_lookup
class AnyTag(Lookup):
    lookup_name = "any_tag"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} ?| %s::text[]", (*lhs_params, list(self.rhs))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        tags = list(self.rhs)
        if not tags:
            return "1 = 0", ()
        placeholders = ", ".join(["%s"] * len(tags))
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value IN ({placeholders}))",  # noqa: S608
            (*lhs_params, *tags),
        )


@TagsField.register_lookup
class TagIContains(Lookup):
    lookup_name = "tag_icontains"
    prepare_rhs = False

    def _pattern(self, connection):
        return f"%{connection.ops.prep_for_like_query(str(self.rhs))}%"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({lhs}) AS tag(value) "  # noqa: S608
            f"WHERE UPPER(tag.value) LIKE UPPER(%s))",
            (*lhs_params, self._pattern(connection)),
        )

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value LIKE %s ESCAPE '\\')",  # noqa: S608
            (*lhs_params, self._pattern(connection)),
        )
