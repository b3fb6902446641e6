"""Rendering the language's templates at run time (docs/workflow-language.md#templates).

The one way the engine evaluates a template: an ImmutableSandboxedEnvironment whose globals
are only the documented namespaces and functions. `render` keeps JSON types for a string that
is exactly one template and interpolates anything else; `render_condition` applies the
language's truthiness. Every failure is a RenderError with a message for the task's result.
"""

import contextvars
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from jinja2 import TemplateError, Undefined
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workflows.validation.functions import FUNCTIONS

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


_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("render_deadline", default=float("inf"))
# A printf width that is computed (`*`) or four digits or more: it could build any size of text.
_WIDE_FORMAT = re.compile(r"%[^a-zA-Z%]*(\*|\d{4,})")
_MAX_INT_BITS = 10_000  # far beyond any JSON number a workflow needs; keeps `**` fast


def _size(value: Any, budget: int) -> int:
    """Bytes `value` takes as JSON, counted only up to `budget` (shared parts count each time)."""
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, Mapping):
            total += 2 + sum(len(str(key)) + 4 for key in item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += 8
    return total


def _check_size(value: Any) -> Any:
    limit = settings.ATTUNE_RENDER_MAX_BYTES
    if _size(value, limit) > limit:
        raise RenderError(f"the value would be larger than {limit} bytes (ATTUNE_RENDER_MAX_BYTES)")
    return value


def _check_deadline() -> None:
    if time.monotonic() > _DEADLINE.get():
        raise RenderError(
            f"rendering took longer than {settings.ATTUNE_RENDER_MAX_SECONDS} s (ATTUNE_RENDER_MAX_SECONDS)"
        )


class _CodeGenerator(CodeGenerator):
    """`~` joins through the environment, so the joined text is sized before it is built."""

    def visit_Concat(self, node, frame):
        self.write("environment.join_text((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox with the runtime limits: operators that grow values are sized before they
    run, calls reach only the language's functions, and `.key` reads data, never attributes."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator

    def join_text(self, values) -> str:
        _check_deadline()
        return _bounded_concat(_as_text(value) if not isinstance(value, str) else value for value in values)

    def __init__(self, **options):
        super().__init__(undefined=_LanguageUndefined, autoescape=False, **options)
        self.globals.clear()
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context, operator, left, right):
        _check_deadline()
        limit = settings.ATTUNE_RENDER_MAX_BYTES
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if operator == "**" and numbers and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * abs(left).bit_length() > _MAX_INT_BITS:
                raise RenderError(f"{left} ** {right} is too large a number")
        elif operator == "*" and not numbers:
            count = right if isinstance(right, int) else left
            value = left if isinstance(right, int) else right
            unit = len(value) if isinstance(value, str) else _size(value, limit)
            if isinstance(count, int) and count > 0 and unit * count > limit:
                raise RenderError(f"the value would be larger than {limit} bytes (ATTUNE_RENDER_MAX_BYTES)")
        elif operator == "*" and isinstance(left, int) and isinstance(right, int):
            if abs(left).bit_length() + abs(right).bit_length() > _MAX_INT_BITS:
                raise RenderError("the product is too large a number")
        elif operator == "+" and not numbers:
            if _size(left, limit) + _size(right, limit) > limit:
                raise RenderError(f"the value would be larger than {limit} bytes (ATTUNE_RENDER_MAX_BYTES)")
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise RenderError("`%` formatting with a computed or large width is not allowed")
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):
        _check_deadline()
        if not (__obj in _FUNCTION_OBJECTS or getattr(__obj, "_language_function", False)):
            raise RenderError("only the language's functions can be called, not methods of values")
        try:
            args = [None if isinstance(a, Undefined) else a for a in args]
            return _check_size(__obj(*args, **kwargs))
        except TypeError as exc:
            raise RenderError(str(exc)) from None

    def getattr(self, obj, attribute):
        if isinstance(obj, Undefined):
            return obj._fail_with_undefined_error()
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, Undefined):
            return obj._fail_with_undefined_error()
        if isinstance(obj, Mapping):
            key = argument if argument in obj else None
            return obj[key] if key is not None else self.undefined(obj=obj, name=argument)
        if (
            isinstance(obj, list | tuple | str)
            and isinstance(argument, int | slice)
            and not isinstance(argument, bool)
        ):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(obj=obj, name=argument)
        return self.undefined(obj=obj, name=argument)


_FUNCTION_OBJECTS = set(FUNCTIONS.values())
_GROWING_FILTERS = {"center": 1, "indent": 1}


def _bounded_filter(function):
    def bounded(*args, **kwargs):
        _check_deadline()
        limit = settings.ATTUNE_RENDER_MAX_BYTES
        for value in [*args, *kwargs.values()]:
            if isinstance(value, int) and not isinstance(value, bool) and value > limit:
                raise RenderError(f"a filter argument of {value} exceeds {limit} (ATTUNE_RENDER_MAX_BYTES)")
        if (
            function.__name__ == "do_format"
            and args
            and isinstance(args[0], str)
            and _WIDE_FORMAT.search(args[0])
        ):
            raise RenderError("`format` with a computed or large width is not allowed")
        return _check_size(function(*args, **kwargs))

    for attribute in ("jinja_pass_arg",):
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    bounded.__name__ = function.__name__
    return bounded


def _bounded_concat(pieces) -> str:
    limit, total, parts = settings.ATTUNE_RENDER_MAX_BYTES, 0, []
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise RenderError(f"the text would be longer than {limit} bytes (ATTUNE_RENDER_MAX_BYTES)")
        parts.append(piece)
    return "".join(parts)


# Whole-value expressions return Python values; interpolation finalizes each one as text.
_ENV = _Environment()
_TEXT_ENV = _Environment(finalize=lambda value: _as_text(_check_size(value)))
_TEXT_ENV.concat = _bounded_concat


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
    names = _globals(names)
    token = _DEADLINE.set(time.monotonic() + settings.ATTUNE_RENDER_MAX_SECONDS)
    try:
        if _WHOLE.match(text) and _is_single_template(text):
            expression = _ENV.compile_expression(_WHOLE.match(text)["expr"], undefined_to_none=False)
            return _to_json(expression(**names))
        return _TEXT_ENV.from_string(text).render(**names)
    except RenderError:
        raise
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise RenderError(f"{text!r}: {exc}") from None
    finally:
        _DEADLINE.reset(token)


def _globals(names: Mapping[str, Any]) -> dict:
    """The functions, then the caller's namespaces; a bare name is a workflow variable."""
    variables = names.get("workflow")
    merged = dict(variables) if isinstance(variables, Mapping) else {}
    merged.update(names)
    merged.update(FUNCTIONS)
    for name in ("result", "succeeded", "failed", "timed_out"):
        if callable(merged.get(name)):
            merged[name] = _mark(merged[name])
    return merged


def _mark(function):
    def transition_function(*args, **kwargs):
        return function(*args, **kwargs)

    transition_function._language_function = True
    return transition_function


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
