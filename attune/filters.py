"""Filters the list endpoints share: strict choices, tags, and the catalogue filters of
the rows a pack holds (workflows, actions)."""

from django import forms
from django.db.models import Q
from django_filters import fields
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

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

    pack_ref = filters.CharFilter(field_name="pack__ref", help_text="Exact ref of the owning pack.")
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

    def filter_search(self, qs, name, value):
        return qs.filter(
            Q(label__icontains=value)
            | Q(description__icontains=value)
            | Q(ref__icontains=value)
            | Q(tags__tag_icontains=value)
        )
