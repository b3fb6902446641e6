"""Parameters as the action reads them: one text in the declared format, on stdin or in a
0600 file named by ATTUNE_PARAMETER_FILE (docs/actions.md, "Parameter delivery")."""

import json
import os

import yaml

SUFFIXES = {"json": ".json", "dotenv": ".env", "yaml": ".yaml"}


def encode(parameters: dict, parameter_format: str) -> bytes:
    if parameter_format == "dotenv":
        text = "".join(f"{name}={_dotenv_value(value)}\n" for name, value in parameters.items())
    elif parameter_format == "yaml":
        text = yaml.safe_dump(parameters, sort_keys=False, allow_unicode=True)
    else:  # json: one line of compact JSON and a newline
        text = json.dumps(parameters, separators=(",", ":"), ensure_ascii=False) + "\n"
    return text.encode("utf-8")


def _dotenv_value(value) -> str:
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return f'"{escaped}"'
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write_file(run_dir, parameter_format: str, payload: bytes):
    """Write the parameters to a new file only the worker's user can read; its path."""
    path = run_dir / f"parameters{SUFFIXES.get(parameter_format, '')}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(payload)
    return path
