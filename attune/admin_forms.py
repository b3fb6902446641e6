"""Admin form fields: JSON shown pretty-printed, tags as comma-separated text."""

import json

from django import forms
from django.conf import settings

from attune.storable import data_problem
from attune.validators import normalize_tags
from attune.yamlio import YamlError, load_yaml


class PrettyJSONField(forms.JSONField):
    """A JSON textarea indented for reading; the model's validators judge the value."""

    def __init__(self, *args, **kwargs):
        attrs = {"rows": 16, "cols": 100, "style": "font-family: monospace"}
        kwargs.setdefault("widget", forms.Textarea(attrs=attrs))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None:
            return ""  # an empty field, not the word `null` (blank stores None again)
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)

    def validate(self, value):
        super().validate(value)
        # The same rule as API bodies: what PostgreSQL cannot store is a form error, not a 500.
        problem = data_problem(value, settings.ATTUNE_MAX_NESTING_DEPTH)
        if problem:
            raise forms.ValidationError(problem)


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


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders a value: what is typed into it is not echoed back, not
    even when the form is shown again with errors."""

    def format_value(self, value):
        return None


class YamlOrJSONField(PrettyJSONField):
    """A value typed as YAML or JSON (JSON is YAML), read by the strict safe loader the packs
    use (attune.yamlio); a syntax error names its line and column. Stored values are shown as
    indented JSON; text sent back with an error is shown again as typed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"class": "attune-code", "spellcheck": "false", "wrap": "off"})

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        try:
            return load_yaml(value).data
        except YamlError as exc:
            where = f"line {exc.line}, column {exc.column}: " if exc.line else ""
            raise forms.ValidationError(
                f"Not valid YAML or JSON: {where}{exc.message}", code="invalid"
            ) from None

    def bound_data(self, data, initial):
        return initial if self.disabled else data

    def prepare_value(self, value):
        if isinstance(value, str):
            return value  # the text as typed, when the form comes back with errors
        return super().prepare_value(value)
