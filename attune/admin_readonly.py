"""What a viewer without the change permission sees: JSON indented and files with their
indentation, in a <pre>, as editors see them.

Django shows a read-only JSONField as one compact line and a read-only text with its lines
joined by <br> (leading spaces lost); `PrettyReadOnlyJSON` swaps each field named in
`pretty_json_fields` for a display of the same value, indented, when the page is read-only.
"""

import json

from django.contrib import admin
from django.utils.html import format_html


def preformatted(text: str):
    """`text` escaped, in a <pre> that keeps its spaces and lines (YAML files, JSON)."""
    if not text:
        return "-"
    return format_html('<pre class="attune-readonly">{}</pre>', text)


def _pretty_display(name: str, label: str, value_of):
    @admin.display(description=label)
    def show(obj):
        value = value_of(obj, name)
        return "-" if value is None else preformatted(json.dumps(value, indent=2, ensure_ascii=False))

    show.__name__ = f"{name}_pretty"
    return show


class PrettyReadOnlyJSON:
    """Mixed into a ModelAdmin before its base; `pretty_json_fields` names the JSON fields."""

    pretty_json_fields: tuple[str, ...] = ()

    @staticmethod
    def pretty_json_value(obj, name: str):
        """The value shown for `name`; an admin overrides it to mask what must not be seen."""
        return getattr(obj, name)

    def _view_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def _displays(self) -> dict:
        cls = type(self)
        if "_pretty_displays" not in cls.__dict__:
            labels = {name: self.model._meta.get_field(name).verbose_name for name in self.pretty_json_fields}
            cls._pretty_displays = {
                name: _pretty_display(name, labels[name], cls.pretty_json_value)
                for name in self.pretty_json_fields
            }
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
