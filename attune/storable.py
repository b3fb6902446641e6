"""Values every database can store: no NUL characters, no lone surrogates, bounded nesting.

PostgreSQL refuses NUL (U+0000) in text and in jsonb, and no database can encode a lone
UTF-16 surrogate (JSON's `"\\ud800"`) as UTF-8; both used to surface as 500s deep inside a
query. Deeply nested documents make every later recursive step (validation, rendering,
JSON Schema) hit Python's recursion limit. Bodies are checked once, where they are decoded
(attune.parsers for JSON and multipart, attune.yamlio for YAML), and the query string and
path once, in attune.middleware.
"""

import re

DEFAULT_MAX_DEPTH = 64

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A JSON string token: what the depth scan must skip so brackets inside strings do not count.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: 2x faster
# In UTF-8 JSON text a NUL or a lone surrogate can only come from one of these escapes (the
# bytes themselves are refused by the decoder), so text without them needs no walk.
_JSON_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    if match.group() == "\x00":
        return "contains a NUL character (\\u0000), which is not allowed"
    return f"contains a lone surrogate (\\u{ord(match.group()):04x}), which is not valid Unicode"


def shown(value: str) -> str:
    """`value` safe to echo in a response: unstorable characters written as escapes."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _child(pointer: str, key) -> str:
    return f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"


def data_problem(data, max_depth: int = DEFAULT_MAX_DEPTH) -> str | None:
    """The first unstorable string or key, or a nesting past `max_depth` containers, as
    `"<JSON pointer>: <what>"`; None when `data` is fine. Iterative: safe on any depth."""
    stack = [("", data, 1)]
    while stack:
        pointer, value, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return f"{shown(pointer) or '/'}: the value {problem}"
            continue
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        if depth > max_depth:
            return f"{shown(pointer) or '/'}: nested deeper than {max_depth} levels"
        for key, child in items:
            if isinstance(key, str) and (problem := text_problem(key)):
                return f"{shown(_child(pointer, key))}: the key {problem}"
            stack.append((_child(pointer, key), child, depth + 1))
    return None


def json_may_be_unstorable(raw: bytes) -> bool:
    """False when UTF-8 JSON text `raw` cannot decode to a NUL or a lone surrogate."""
    return _JSON_UNSTORABLE_ESCAPE.search(raw) is not None


def json_too_deep(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> bool:
    """Whether the JSON text `raw` nests arrays/objects deeper than `max_depth`.

    Runs on the bytes before json.loads, whose C decoder recurses once per level.
    """
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False  # the common case: too few brackets to be deep, no scan needed
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > max_depth:
            return True
    return False
