import re

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from attune.filters import BOOLEAN_CHOICES, StrictChoiceFilter
from executions.models import Execution, Inquiry, InquiryStatus, Status

ID_MAX = 2**63 - 1  # a bigger number would overflow the database's integer, not match nothing


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A row id: a whole number from 1; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class ExecutionFilter(filters.FilterSet):
    status = StrictChoiceFilter(choices=Status.choices, help_text="Only executions with this status.")
    action_ref = filters.CharFilter(
        method="filter_action_ref",
        help_text="Exact action ref, or a pattern where `*` matches anything: `core.*` is every core action.",
    )
    pack_name = filters.CharFilter(method="filter_pack_name", help_text="Only runs of this pack's actions.")
    parent = IdFilter(field_name="parent_id", help_text="Only the children of this execution.")
    top_level_only = StrictChoiceFilter(
        choices=BOOLEAN_CHOICES,
        method="filter_top_level_only",
        help_text="`true`: only executions without a parent; `false`: no filter.",
    )
    executor = IdFilter(field_name="executor_id", help_text="Only executions started by this user id.")

    class Meta:
        model = Execution
        fields = ["status", "action_ref", "pack_name", "parent", "top_level_only", "executor"]

    def filter_action_ref(self, qs, name, value):
        if "*" not in value:
            return qs.filter(action_ref=value)
        if value.endswith(".*") and value.count("*") == 1:
            return qs.filter(action_ref__startswith=value[:-1])  # the common `pack.*`: an index range
        pattern = ".*".join(re.escape(part) for part in value.split("*"))
        return qs.filter(action_ref__regex=f"^{pattern}$")

    def filter_pack_name(self, qs, name, value):
        return qs.filter(action_ref__startswith=f"{value}.")

    # The `value: str` hint documents the parameter as a string enum, not a boolean.
    def filter_top_level_only(self, qs, name, value: str):
        return qs.filter(parent__isnull=True) if value == "true" else qs


class InquiryFilter(filters.FilterSet):
    status = StrictChoiceFilter(choices=InquiryStatus.choices, help_text="Only inquiries with this status.")
    execution = IdFilter(
        field_name="execution_id", help_text="Only the inquiries of this run (the one that asked)."
    )

    class Meta:
        model = Inquiry
        fields = ["status", "execution"]
