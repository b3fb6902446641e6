"""Request body parsers that refuse what the database cannot store (see attune.storable).

Every check runs as the body is decoded, before a serializer, a validator or a query sees
it, so a NUL, a lone surrogate or a 1,000-level nesting is one 400 for every endpoint.
"""

import codecs
import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

from attune.storable import data_problem, json_may_be_unstorable, json_too_deep, text_problem


def max_depth() -> int:
    return settings.ATTUNE_MAX_NESTING_DEPTH


def refuse(problem: str):
    raise ValidationError({"body": [problem]})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus a nesting limit checked on the raw text and a storability
    check of every decoded string and key."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        limit = max_depth()
        if json_too_deep(raw, limit):
            refuse(f"The JSON nests arrays and objects deeper than {limit} levels.")
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        utf8 = codecs.lookup(parsers.get_encoding(parser_context or {})).name == "utf-8"
        # The nesting is already bounded, so only the strings may need the walk.
        if not utf8 or json_may_be_unstorable(raw):
            problem = data_problem(data, limit)
            if problem:
                refuse(problem)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing NUL in form fields and file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        for name, values in (*result.data.lists(), *result.files.lists()):
            for value in values:
                text = getattr(value, "name", value)
                problem = text_problem(name) or (isinstance(text, str) and text_problem(text))
                if problem:
                    refuse(f"The form field {name!r} {problem}.")
        return result
