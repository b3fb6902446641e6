"""What a viewer without the change permission sees: JSON fields indented, as editors see them.

Django shows a read-only JSONField as one compact line; `PrettyReadOnlyJSON` swaps each field
named in `pretty_json_fields` for a display of the same value, indented, in a <pre>.
"""

import json

from django.contrib import admin
from django.utils.html import format_html


def _pretty_display(name: str):
    @admin.display(description=name.replace("_", " "))
    def show(obj):
        return format_html("<pre>{}</pre>", json.dumps(getattr(obj, name), indent=2, ensure_ascii=False))

    show.__name__ = f"{name}_pretty"
    return show


class PrettyReadOnlyJSON:
    pretty_json_fields: tuple[str, ...] = ()

    def _view_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def _displays(self) -> dict:
        cls = type(self)
        if "_pretty_displays" not in cls.__dict__:
            cls._pretty_displays = {name: _pretty_display(name) for name in self.pretty_json_fields}
        return cls._pretty_displays

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self._view_only(request, obj):
            return fields
        displays = self._displays()
        return [displays.get(name, name) if isinstance(name, str) else name for name in fields]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not self._view_only(request, obj):
            return readonly
        return (*readonly, *self._displays().values())
