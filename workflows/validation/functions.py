"""The language's built-in functions (docs/workflow-language.md#built-in-functions).

One table for both sides: the validator's BUILTIN_FUNCTIONS is its keys, and the renderer
installs exactly these as its globals. Every function takes JSON values and raises
FunctionError (a ValueError) when given the wrong kind, so a bad call is a render error.
"""

import json
import math
import re

RANGE_MAX = 100_000


class FunctionError(ValueError):
    """A built-in function was called with the wrong kind of value."""


def type_of(x) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "boolean"
    if isinstance(x, int | float):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list | tuple):
        return "array"
    if isinstance(x, dict):
        return "object"
    return type(x).__name__


def _need(name: str, value, *kinds: str):
    if type_of(value) not in kinds:
        raise FunctionError(f"{name}() takes {' or '.join(kinds)} (got {type_of(value)})")
    return value


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _number_list(name, values, kinds=("number",)):
    _need(name, values, "array")
    for value in values:
        _need(name, value, *kinds)
    if kinds != ("number",) and len({type_of(v) for v in values}) > 1:
        raise FunctionError(f"{name}() takes numbers or strings, not both")
    return list(values)


def length(x):
    return len(_need("length", x, "array", "object", "string"))


def _int(x):
    _need("int", x, "number", "string")
    return math.trunc(number(x)) if isinstance(x, str) else math.trunc(x)


def number(x):
    _need("number", x, "number", "string")
    if not isinstance(x, str):
        return x
    try:
        value = float(x.strip())
    except ValueError:
        raise FunctionError(f"number() cannot parse {x!r}") from None
    if not math.isfinite(value):
        raise FunctionError(f"number() cannot parse {x!r}")
    return int(value) if re.fullmatch(r"\s*[+-]?\d+\s*", x) else value


def _range(a, b=None):
    start, stop = (0, a) if b is None else (a, b)
    _need("range", start, "number")
    _need("range", stop, "number")
    if not (isinstance(start, int) and isinstance(stop, int)):
        raise FunctionError("range() takes integers")
    if stop - start > RANGE_MAX:
        raise FunctionError(f"range() gives at most {RANGE_MAX} numbers (asked for {stop - start})")
    return list(range(start, stop))


def _round(x):
    _need("round", x, "number")
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def _unique(values):
    _need("unique", values, "array")
    seen, kept = set(), []
    for value in values:
        key = json.dumps(value, sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


def _contains(x, y):
    _need("contains", x, "array", "object", "string")
    if isinstance(x, str):
        return _need("contains", y, "string") in x
    return y in x


def _string(x):
    if x is None:
        return "null"
    return _text(x)


def _min_max(name, pick):
    def function(values):
        values = _number_list(name, values, ("number", "string"))
        if not values:
            raise FunctionError(f"{name}() of an empty list")
        return pick(values)

    return function


def _bool(x) -> bool:
    return not (x is None or x is False or (type_of(x) == "number" and x == 0) or x in ("", [], {}))


FUNCTIONS = {
    "length": length,
    "keys": lambda obj: list(_need("keys", obj, "object")),
    "values": lambda obj: list(_need("values", obj, "object").values()),
    "lower": lambda s: _need("lower", s, "string").lower(),
    "upper": lambda s: _need("upper", s, "string").upper(),
    "trim": lambda s: _need("trim", s, "string").strip(),
    "split": lambda s, sep: _need("split", s, "string").split(_need("split", sep, "string") or None),
    "join": lambda values, sep: _need("join", sep, "string").join(
        _text(v) for v in _need("join", values, "array")
    ),
    "replace": lambda s, old, new: _need("replace", s, "string").replace(
        _need("replace", old, "string"), _need("replace", new, "string")
    ),
    "starts_with": lambda s, p: _need("starts_with", s, "string").startswith(
        _need("starts_with", p, "string")
    ),
    "ends_with": lambda s, p: _need("ends_with", s, "string").endswith(_need("ends_with", p, "string")),
    "match": lambda regex, s: (
        re.search(_need("match", regex, "string"), _need("match", s, "string")) is not None
    ),
    "contains": _contains,
    "reversed": lambda x: _need("reversed", x, "array", "string")[::-1],
    "sort": lambda values: sorted(_number_list("sort", values, ("number", "string"))),
    "unique": _unique,
    "flat": lambda values: [
        inner for v in _need("flat", values, "array") for inner in (v if isinstance(v, list | tuple) else [v])
    ],
    "zip": lambda a, b: [
        list(pair) for pair in zip(_need("zip", a, "array"), _need("zip", b, "array"), strict=False)
    ],
    "range": _range,
    "string": _string,
    "number": number,
    "int": _int,
    "bool": _bool,
    "type_of": type_of,
    "abs": lambda x: abs(_need("abs", x, "number")),
    "floor": lambda x: math.floor(_need("floor", x, "number")),
    "ceil": lambda x: math.ceil(_need("ceil", x, "number")),
    "round": _round,
    "min": _min_max("min", min),
    "max": _min_max("max", max),
    "sum": lambda values: sum(_number_list("sum", values)),
}
