"""Rendering the language's templates at run time (docs/workflow-language.md#templates).

The one way the engine evaluates a template: an ImmutableSandboxedEnvironment whose globals
are only the documented namespaces and functions. `render` keeps JSON types for a string that
is exactly one template and interpolates anything else; `render_condition` applies the
language's truthiness. Every failure is a RenderError with a message for the task's result.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

_WHOLE = re.compile(r"^\s*\{\{(?P<expr>.*)\}\}\s*$", re.DOTALL)
_MARKERS = ("{{", "{%", "{#")


class RenderError(Exception):
    """A template could not be rendered; the message says why (shown in the task's result)."""


class _LanguageUndefined(Undefined):
    """Falsy, empty as text, null as a whole value; reading a key of it is an error (S23)."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._fail_with_undefined_error()

    __getitem__ = __getattr__


def _as_text(value: Any) -> str:
    """Interpolation's text of a value: null is empty text, lists and objects compact JSON."""
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(_to_json(value), separators=(",", ":"))
    return str(value)


# Whole-value expressions return Python values; interpolation finalizes each one as text.
_ENV = ImmutableSandboxedEnvironment(undefined=_LanguageUndefined, autoescape=False)
_TEXT_ENV = ImmutableSandboxedEnvironment(undefined=_LanguageUndefined, autoescape=False, finalize=_as_text)


def render(value: Any, names: Mapping[str, Any]) -> Any:
    """`value` with every template string rendered: objects and lists recursively, keys never."""
    if isinstance(value, str):
        return _render_string(value, names)
    if isinstance(value, list):
        return [render(element, names) for element in value]
    if isinstance(value, dict):
        return {key: render(element, names) for key, element in value.items()}
    return value


def render_condition(text: Any, names: Mapping[str, Any]) -> bool:
    """A `when`: absent (None) is true; otherwise the language's truthiness of the value."""
    if text is None:
        return True
    if not isinstance(text, str):
        return truthy(text)
    if _WHOLE.match(text) and _is_single_template(text):
        return truthy(_render_string(text, names))
    rendered = _render_string(text, names)
    return str(rendered).strip().lower() not in {"", "false", "0", "no"}


def truthy(value: Any) -> bool:
    """JSON truthiness: false for false, null, 0, "", [] and {}."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return bool(value)


def _is_single_template(text: str) -> bool:
    stripped = text.strip()
    return stripped.count("{{") == 1 and stripped.endswith("}}")


def _render_string(text: str, names: Mapping[str, Any]) -> Any:
    if not any(marker in text for marker in _MARKERS):
        return text
    try:
        if _WHOLE.match(text) and _is_single_template(text):
            expression = _ENV.compile_expression(_WHOLE.match(text)["expr"], undefined_to_none=False)
            return _to_json(expression(**names))
        return _TEXT_ENV.from_string(text).render(**names)
    except RenderError:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise RenderError(f"{text!r}: {exc}") from None


def _to_json(value: Any) -> Any:
    if isinstance(value, Undefined):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_to_json(element) for element in value]
    if isinstance(value, Mapping):
        return {str(key): _to_json(element) for key, element in value.items()}
    if callable(value):
        return None
    raise RenderError(f"the expression gave a {type(value).__name__}, which is not a JSON value")
