"""Secret parameters: stored and shown as `********`, the real values kept for the action.

A parameter is secret when its schema marks it `secret: true` (flat form) or `writeOnly:
true` (JSON Schema). `config` (shown by the API and the admin) holds the redacted copy,
`input` (read by the runner only) the real one. A run that prints a secret value gets it
masked too, wherever its result is shown.
"""

from attune.validators import secret_keys

REDACTED = "********"


def redact(schema: dict, parameters: dict) -> dict:
    """`parameters` with the value of every secret parameter replaced by REDACTED, and the
    secret text masked where another parameter repeats it."""
    secrets = secret_keys(schema or {})
    redacted = {name: REDACTED if name in secrets else value for name, value in parameters.items()}
    return mask(redacted, secret_values(redacted, parameters))


def secret_values(config: dict, real: dict) -> list[str]:
    """The real text of each parameter `config` shows redacted, longest first."""
    values = {
        str(real[name])
        for name, shown in (config or {}).items()
        if shown == REDACTED and name in (real or {}) and real[name] not in (None, "", REDACTED)
    }
    # Longest first, so a secret that contains another is masked whole.
    return sorted(values, key=len, reverse=True)


def mask(value, secrets: list[str]):
    """`value` (any JSON) with every occurrence of a secret inside its strings masked."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {mask(key, secrets): mask(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item, secrets) for item in value]
    return value


def shown_result(execution):
    """The execution's result as the API and the admin show it: secrets masked."""
    return mask(execution.result, secret_values(execution.config, execution.input))
