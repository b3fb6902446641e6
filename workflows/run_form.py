"""The admin's "Run…" form: one field per parameter of a workflow's `param_schema`.

The fields only turn the page's text into JSON values (a number, a boolean, parsed JSON);
whether the values fit the schema is judged by the service the API calls
(`executions.service.start_workflow_of`), and its per-field errors land on the fields here.
An empty field is a parameter not given, so its default applies (as a missing or null value
does in the API). A secret parameter is a password field: never pre-filled, never echoed.
"""

import json

from django import forms

from attune.validators import secret_keys, to_json_schema
from executions import service

SCALARS = ("string", "integer", "number", "boolean")
MONOSPACE = "font-family: monospace"


class JSONTextField(forms.JSONField):
    """An array or an object (or an untyped value) as JSON text, its syntax errors located."""

    def to_python(self, value):
        if isinstance(value, str) and value not in self.empty_values:
            try:
                json.loads(value)
            except json.JSONDecodeError as exc:
                raise forms.ValidationError(
                    "Not valid JSON: line %(line)s, column %(column)s: %(problem)s.",
                    code="invalid",
                    params={"line": exc.lineno, "column": exc.colno, "problem": exc.msg},
                ) from None
        return super().to_python(value)


class RunWorkflowForm(forms.Form):
    """The parameters of one workflow; `parameters()` is what the API's body would carry."""

    def __init__(self, param_schema, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schema = to_json_schema(param_schema or {})
        secrets = secret_keys(param_schema or {})
        required = set(schema.get("required") or ())
        for name, prop in (schema.get("properties") or {}).items():
            prop = prop if isinstance(prop, dict) else {}
            self.fields[name] = parameter_field(name, prop, required=name in required, secret=name in secrets)

    def parameters(self) -> dict:
        """The given values: an empty field is left out, so the schema's default applies."""
        return {name: value for name, value in self.cleaned_data.items() if value is not None}

    def add_refusal(self, refused: service.ExecutionRefused) -> None:
        """The service's refusal on the form: `parameters.<name>[.<path>]` on field <name>."""
        if not refused.errors:
            self.add_error(None, refused.message)
        for key, problems in refused.errors.items():
            name, rest = self._field_of(key)
            for problem in problems:
                self.add_error(name, f"{rest}: {problem}" if rest else problem)

    def _field_of(self, key: str) -> tuple[str | None, str]:
        path = key.removeprefix("parameters.") if key != "parameters" else ""
        # Longest first: a parameter's name may itself contain a dot.
        for name in sorted(self.fields, key=len, reverse=True):
            if path == name or path.startswith(name + "."):
                return name, path[len(name) + 1 :]
        return None, key


def parameter_field(name: str, prop: dict, *, required: bool, secret: bool) -> forms.Field:
    """The form field for one parameter's schema `prop`."""
    kind = type_of(prop)
    options = {
        "label": name,
        "required": False,  # the schema's `required` is the service's to judge
        "help_text": help_text(prop, kind, secret),
        "initial": None if secret else prop.get("default"),
    }
    if kind == "boolean":
        return forms.BooleanField(**options)  # unticked is false: always given
    attrs = {"required": True} if required and "default" not in prop else {}
    if "enum" in prop and not secret:
        return enum_field(prop, options, attrs)
    if kind == "integer":
        field_class, widget = forms.IntegerField, forms.NumberInput(attrs=attrs | limits(prop))
    elif kind == "number":
        field_class, widget = forms.FloatField, forms.NumberInput(attrs=attrs | limits(prop))
    elif kind == "string":
        field_class, widget = forms.CharField, forms.TextInput(attrs=attrs | {"size": 60})
        options |= {"strip": False, "empty_value": None}
    else:
        field_class = JSONTextField
        widget = forms.Textarea(attrs=attrs | {"rows": 4, "cols": 60, "style": MONOSPACE})
    if secret:
        widget = forms.PasswordInput(render_value=False, attrs=attrs)
    return field_class(widget=widget, **options)


def enum_field(prop: dict, options: dict, attrs: dict) -> forms.Field:
    """A choice of the enum's values, each sent as its JSON text and read back as JSON."""
    choices = [("", "---------")]
    for value in prop["enum"]:
        choices.append((json.dumps(value), value if isinstance(value, str) else json.dumps(value)))
    if "default" in prop:
        options["initial"] = json.dumps(prop["default"])
    return forms.TypedChoiceField(
        choices=choices, coerce=json.loads, empty_value=None, widget=forms.Select(attrs=attrs), **options
    )


def type_of(prop: dict) -> str:
    """`string`, `integer`, `number`, `boolean`, or `json` for anything else (or a mix)."""
    declared = prop.get("type")
    if isinstance(declared, list):
        others = [kind for kind in declared if kind != "null"]
        declared = others[0] if len(others) == 1 else None
    return declared if declared in SCALARS else "json"


def limits(prop: dict) -> dict:
    """The browser's hint of the bounds; the schema's check is the service's."""
    return {attr: prop[key] for attr, key in (("min", "minimum"), ("max", "maximum")) if key in prop}


def help_text(prop: dict, kind: str, secret: bool) -> str:
    parts = [str(prop["description"])] if prop.get("description") else []
    if kind == "json" and "enum" not in prop:
        declared = prop.get("type") or "any value"
        parts.append(f"JSON ({' or '.join(declared) if isinstance(declared, list) else declared}).")
    if secret:
        blank = "; leave blank for the default." if "default" in prop else "."
        parts.append(f"Secret: stored redacted{blank}")
    return " ".join(parts)


def start_from_form(form: RunWorkflowForm, workflow, executor):
    """Start `workflow` as `executor` with the form's values, through the API's service; None
    (the refusal added to the form, nothing created) when the service refuses."""
    try:
        return service.start_workflow_of(workflow, form.parameters(), executor)
    except service.ExecutionRefused as refused:
        form.add_refusal(refused)
        return None
