"""Admin form fields: JSON shown pretty-printed, tags as comma-separated text."""

import json

from django import forms

from attune.validators import normalize_tags


class PrettyJSONField(forms.JSONField):
    """A JSON textarea indented for reading; the model's validators judge the value."""

    def __init__(self, *args, **kwargs):
        attrs = {"rows": 16, "cols": 100, "style": "font-family: monospace"}
        kwargs.setdefault("widget", forms.Textarea(attrs=attrs))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


class TagsFormField(forms.CharField):
    """Tags typed as `a, b, c` (tags cannot contain commas, so this is lossless)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated; each 1-64 characters.")
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return normalize_tags([part for part in (value or "").split(",") if part.strip()])
