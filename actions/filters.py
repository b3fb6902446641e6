from django_filters import rest_framework as filters

from actions.models import Action
from attune.filters import PackContentsFilter, StrictChoiceFilter


class ActionFilter(PackContentsFilter):
    runner_type = StrictChoiceFilter(
        choices=Action.RunnerType.choices,
        help_text="Only actions of this runner type; any other value is a 400.",
    )
    q = filters.CharFilter(method="filter_search", help_text="Alias of `search` (Attune's name).")

    class Meta:
        model = Action
        fields = ["pack_ref", "runner_type", "enabled", "search", "q", "tags"]
