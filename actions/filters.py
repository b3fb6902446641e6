from django.db.models import Q
from django_filters import rest_framework as filters

from actions.models import Action
from workflows.filters import BOOLEAN_CHOICES, StrictChoiceFilter, TagsFilter


class ActionFilter(filters.FilterSet):
    pack_ref = filters.CharFilter(field_name="pack__ref", help_text="Exact ref of the owning pack.")
    runner_type = StrictChoiceFilter(
        choices=Action.RunnerType.choices,
        help_text="Only actions of this runner type; any other value is a 400.",
    )
    enabled = StrictChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_enabled",
        help_text="Only enabled (`true`) or disabled (`false`) actions; any other value, empty included, is a 400.",
    )
    search = filters.CharFilter(
        method="filter_search", help_text="Case-insensitive substring of label, description, ref or any tag."
    )
    q = filters.CharFilter(method="filter_search", help_text="Alias of `search` (Attune's name).")
    tags = TagsFilter(
        help_text="Comma-separated tags; an action matches if it has any of them (exact match)."
    )

    class Meta:
        model = Action
        fields = ["pack_ref", "runner_type", "enabled", "search", "q", "tags"]

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
