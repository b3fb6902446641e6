"""Attune's execution list pagination: `per_page` (or this project's `page_size`), and
exact totals only when `include_total=true`, since counting a large table is the slow part."""

from rest_framework import exceptions
from rest_framework.response import Response

from attune.api import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, EnvelopePagination, _int_param

# SQLite and PostgreSQL take a 64-bit OFFSET; a page number past it would be a database error.
OFFSET_MAX = 2**62


class ExecutionPagination(EnvelopePagination):
    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        self.page = _int_param(params, "page", 1)
        self.page_size = self._page_size(params)
        self.include_total = _bool_param(params, "include_total")
        offset = (self.page - 1) * self.page_size
        if offset > OFFSET_MAX:  # past any table's end, and past what the databases' OFFSET takes
            self.total_items = 0 if self.include_total else None
            return queryset.none()
        if self.include_total:
            self.total_items = queryset.count()
            return (
                queryset.none() if offset >= self.total_items else queryset[offset : offset + self.page_size]
            )
        # One row more than the page says whether there is a next page, without a count.
        return queryset[offset : offset + self.page_size + 1]

    def _page_size(self, params) -> int:
        # Attune's `per_page` wins when a client sends both names, but both must be valid:
        # a bad value is an error even when the other name overrides it.
        page_size = _int_param(params, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
        return _int_param(params, "per_page", page_size, PAGE_SIZE_MAX)

    def get_paginated_response(self, data):
        if self.include_total:
            return super().get_paginated_response(data)
        has_next = len(data) > self.page_size
        pagination = {
            "page": self.page,
            "page_size": self.page_size,
            "has_next": has_next,
            "has_previous": self.page > 1,
        }
        return Response({"items": data[: self.page_size], "pagination": pagination})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        pagination = response["properties"]["pagination"]
        pagination["required"] = ["page", "page_size", "has_next", "has_previous"]
        for name in ("total_items", "total_pages"):
            pagination["properties"][name] = {
                "type": "integer",
                "description": "Present only with `include_total=true`.",
            }
        return response

    def get_schema_operation_parameters(self, view):
        page, page_size = super().get_schema_operation_parameters(view)
        per_page = {
            **page_size,
            "name": "per_page",
            "description": "Attune's name for `page_size` (1 to 100, default 50); wins when both are sent.",
        }
        include_total = {
            "name": "include_total",
            "required": False,
            "in": "query",
            "description": "`true` adds `total_items` and `total_pages` (one more query); default `false`.",
            "schema": {"type": "string", "enum": ["true", "false"]},
        }
        return [page, per_page, page_size, include_total]


def _bool_param(params, name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({name: [f"Must be true or false, not '{raw}'."]})
    return raw == "true"
