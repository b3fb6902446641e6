"""attune.storable: the raw-text nesting scan agrees with the decoded data, on any JSON."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from attune.storable import data_problem, json_may_be_unstorable, json_too_deep, text_problem

# Strings full of what could confuse a scan: brackets, quotes, backslashes, escapes.
tricky_text = st.text(alphabet='[]{}"\\/u0a ', max_size=8)
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(tricky_text, children, max_size=3),
    max_leaves=30,
)


def depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(documents, st.integers(min_value=0, max_value=6))
def test_the_raw_scan_finds_exactly_the_documents_nested_too_deep(document, limit):
    raw = json.dumps(document).encode()
    assert json_too_deep(raw, limit) == (depth(document) > limit)
    assert (data_problem(document, limit) is not None) == (depth(document) > limit)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec=None), max_size=20) | st.sampled_from(["\x00", "a\ud800", "\udfff"])
)
def test_any_string_that_cannot_be_stored_is_caught_by_the_raw_escape_check(text):
    # A lone surrogate written as raw bytes is not UTF-8 at all: the decoder refuses it
    # (test_unstorable_input), so only text that encodes is a body the check must catch.
    for text_body in (json.dumps({text: text}), json.dumps({text: text}, ensure_ascii=False)):
        try:
            raw = text_body.encode("utf-8")
        except UnicodeEncodeError:
            continue
        if text_problem(text):
            assert json_may_be_unstorable(raw)


def test_plain_text_skips_the_walk():
    # (A surrogate pair such as an escaped emoji is walked too: correct, only slower.)
    assert not json_may_be_unstorable(json.dumps({"label": "Déploiement [{}] \ud7ff"}).encode())
    assert not json_may_be_unstorable(json.dumps({"label": "😀"}, ensure_ascii=False).encode())
