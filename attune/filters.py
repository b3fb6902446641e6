"""Filters the list endpoints share: strict choices, tags, and the catalogue filters of
the rows a pack holds (workflows, actions)."""

import re

from django import forms
from django.db import connections
from django.db.models import F, Func, Q, Subquery, TextField
from django.db.models.lookups import IContains
from django_filters import fields
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

# What jsonb's text form escapes inside a tag; a term holding one may not appear verbatim
# in the indexed text (attune.migration_ops.SEARCH_TEXT_FUNCTION).
JSON_ESCAPED = re.compile(r'["\\\x00-\x1f]')
BOOLEAN_CHOICES = (("true", "true"), ("false", "false"))


# Every listed tag non-empty: `?tags=` and `?tags=a,,b` are refused; the schema says so
# (attune.schema.tags_need_a_tag).
class TagsFilter(filters.BaseInFilter, filters.CharFilter):
    """Comma-separated tags; matches rows having any of them exactly. Items are trimmed."""

    def filter(self, qs, value):
        if value is None:  # the parameter was not sent
            return qs
        tags = [tag.strip() for tag in value]
        # `?tags=`, `?tags=a,,b`: as for `?enabled=`, an empty value is not a filter.
        if not tags or not all(tags):
            raise ValidationError({self.field_name: ["Every tag in the list must be non-empty."]})
        return qs.filter(tags__any_tag=tags)


class PresentChoiceField(fields.ChoiceField):
    """A choice that, once the parameter is sent, must be one of the choices: `?enabled=`
    is a 400 like `?enabled=maybe`, not the same as leaving the filter out."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError(
                "Must be one of: %(choices)s; an empty value is not a filter.",
                code="empty",
                params={"choices": ", ".join(str(c) for c, _ in self.choices if c != "")},
            )
        return super().clean(value)


class StrictChoiceFilter(filters.ChoiceFilter):
    field_class = PresentChoiceField


class PackContentsFilter(filters.FilterSet):
    """`pack_ref`, `enabled`, `search` and `tags`, as every list of a pack's contents has them."""

    pack_ref = filters.CharFilter(method="filter_pack_ref", help_text="Exact ref of the owning pack.")
    # Exactly `true` or `false`: anything else is a 400 rather than being ignored.
    enabled = StrictChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_enabled",
        help_text="Only enabled (`true`) or disabled (`false`) ones; any other value, empty included, is a 400.",
    )
    search = filters.CharFilter(
        method="filter_search",
        help_text="Case-insensitive substring of label, description, ref or any tag.",
    )
    tags = TagsFilter(help_text="Comma-separated tags; a row matches if it has any of them (exact match).")

    # The `value: str` hint documents the parameter as a string enum, not a boolean.
    def filter_enabled(self, qs, name, value: str):
        return qs.filter(enabled=value == "true")

    def filter_pack_ref(self, qs, name, value):
        # On the pack id, not through a join on packs: the id comes from one unique-index
        # lookup, then the pack_id index serves the count and the page. An unknown ref gives
        # NULL, which equals no row: an empty list.
        pack_model = qs.model._meta.get_field("pack").related_model
        return qs.filter(pack=Subquery(pack_model.objects.filter(ref=value).values("pk")))

    def filter_search(self, qs, name, value):
        return qs.filter(search_filter(value, connections[qs.db].vendor))


def search_filter(value: str, vendor: str) -> Q:
    """Rows whose label, description, ref or any tag contains `value`, case-insensitively.

    On PostgreSQL the same test is first made on the one text a trigram index holds
    (`workflow_search_trgm`, `action_search_trgm`: migrations 0006 and 0003), so the planner
    finds the candidates through the index; the per-field test then keeps exactly the rows
    SQLite would, since every field match is also a match of the text that joins them.
    """
    fields_match = (
        Q(label__icontains=value)
        | Q(description__icontains=value)
        | Q(ref__icontains=value)
        | Q(tags__tag_icontains=value)
    )
    if vendor != "postgresql" or JSON_ESCAPED.search(value):
        return fields_match
    return Q(IContains(SearchText(), value)) & fields_match


class SearchText(Func):
    """`attune_search_text(label, description, ref, tags)`: the indexed text (attune.migration_ops)."""

    function = "attune_search_text"
    output_field = TextField()

    def __init__(self):
        super().__init__(F("label"), F("description"), F("ref"), F("tags"))
