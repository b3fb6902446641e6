"""Secret values of a run and their masking in what the run returns.

The secrets of a run are the exact values of its parameters the action's schema marks
`secret: true` (or `writeOnly`), of its pack's config keys marked secret, and the texts its
row inherits (a workflow's secret parameters, passed to its tasks). Their real values reach
only the action; every string in the result has them replaced by MASK.
"""

import json

from attune.validators import secret_keys
from executions.redaction import REDACTED as MASK
from executions.redaction import mask, merged

__all__ = ["MASK", "mask", "secret_values"]


def secret_values(action, parameters: dict, inherited=()) -> list[str]:
    """The texts to mask, longest first (so a secret containing another is masked whole)."""
    found = []
    for name in secret_keys(action.parameters):
        found.append((parameters or {}).get(name))
    pack = action.pack
    config = pack.config if isinstance(pack.config, dict) else {}
    for name in secret_keys(pack.conf_schema):
        found.append(config.get(name))
    return merged([_as_text(value) for value in found if value not in (None, "")], inherited)


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
