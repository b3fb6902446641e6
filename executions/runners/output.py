"""What a finished process's stdout means: parsed `data` by the action's `output_format`."""

import json

from attune.storable import data_problem
from attune.yamlio import YamlError, load_yaml


class OutputError(Exception):
    """stdout does not parse in the declared format."""


def parse_output(text: str, output_format: str):
    """`data` for `text` in `output_format`: None for `text`; for `json` the whole text, else
    its last non-empty line (a script may log before printing its result); for `yaml` the
    whole text. Raises OutputError."""
    if output_format == "json":
        data = _parse_json(text)
    elif output_format == "yaml":
        try:
            data = load_yaml(text).data
        except YamlError as exc:
            raise OutputError(f"stdout is not valid YAML: {exc.message}") from None
    else:
        return None
    problem = data_problem(data)
    if problem:  # it would be refused when the result is stored
        raise OutputError(f"stdout parses to a value that cannot be stored: {problem}")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _parse_json(text: str):
    stripped = text.strip()
    if not stripped:
        raise OutputError("stdout is empty; the action declares output_format json")
    try:
        return json.loads(stripped, parse_constant=_refuse_constant)
    except ValueError:
        pass
    last_line = stripped.splitlines()[-1].strip()
    try:
        return json.loads(last_line, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise OutputError(f"stdout is not valid JSON (whole text or last line): {exc}") from None
