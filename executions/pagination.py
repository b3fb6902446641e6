"""Attune's execution list pagination: `per_page` (or this project's `page_size`), and
exact totals only when `include_total=true`, since counting a large table is the slow part."""

from attune.api import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, EnvelopePagination, _int_param


class ExecutionPagination(EnvelopePagination):
    include_total_default = False

    def page_size_param(self, params) -> int:
        # Attune's `per_page` wins when a client sends both names, but both must be valid:
        # a bad value is an error even when the other name overrides it.
        page_size = _int_param(params, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
        return _int_param(params, "per_page", page_size, PAGE_SIZE_MAX)

    def get_schema_operation_parameters(self, view):
        page, page_size, include_total = super().get_schema_operation_parameters(view)
        per_page = {
            **page_size,
            "name": "per_page",
            "description": "Attune's name for `page_size` (1 to 100, default 50); wins when both are sent.",
        }
        return [page, per_page, page_size, include_total]
