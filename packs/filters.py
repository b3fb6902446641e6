from django.db.models import Q
from django_filters import rest_framework as filters

from attune.filters import TagsFilter
from packs.models import Pack


class PackFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_words",
        help_text="Whitespace-separated words; each must appear (case-insensitively) in ref, label or description.",
    )
    search = filters.CharFilter(method="filter_words", help_text="Alias of `q`.")
    tags = TagsFilter(help_text="Comma-separated tags; a pack matches if it has any of them (exact match).")

    class Meta:
        model = Pack
        fields = ["q", "search", "tags"]

    def filter_words(self, qs, name, value):
        for word in value.split():
            qs = qs.filter(Q(ref__icontains=word) | Q(label__icontains=word) | Q(description__icontains=word))
        return qs
