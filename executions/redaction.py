"""Secret parameters: stored and shown as `********`, the real values kept for the action.

A parameter is secret when its schema marks it `secret: true` (flat form) or `writeOnly:
true` (JSON Schema). `config` (shown by the API and the admin) holds the redacted copy,
`input` (read by the runner only) the real one. A run that prints a secret value gets it
masked too, wherever its result is shown.

A workflow's secrets are secret in all its task runs too, nested workflows included, whatever
the actions' own schemas say: each run inherits the secret texts of the workflow executions
above it (`Execution.secret_texts`, filled when the row is created), and they are masked in
its config, its result (by the runner, when it is written) and whatever shows it.
"""

from attune.validators import secret_keys

REDACTED = "********"


def redact(schema: dict, parameters: dict, inherited=()) -> dict:
    """`parameters` with the value of every secret parameter replaced by REDACTED, and the
    secret text masked where another parameter repeats it (`inherited`: the secret texts of
    the workflow executions above, masked too)."""
    secrets = secret_keys(schema or {})
    redacted = {name: REDACTED if name in secrets else value for name, value in parameters.items()}
    return mask(redacted, merged(secret_values(redacted, parameters), inherited))


def secret_texts(config: dict, real: dict, inherited=()) -> list[str]:
    """What a new row's `secret_texts` holds: its redacted parameters' real text and the
    texts it inherits, longest first."""
    return merged(secret_values(config, real), inherited)


def merged(*groups) -> list[str]:
    """The texts of all `groups`, each once, longest first."""
    return sorted({text for group in groups for text in group or () if text}, key=len, reverse=True)


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


def shown_secrets(execution) -> list[str]:
    """The texts to mask in whatever shows `execution`: its own secrets and inherited ones.

    Its config and input are read too, for a row stored before it had `secret_texts`."""
    return merged(execution.secret_texts, secret_values(execution.config, execution.input))


def shown_result(execution):
    """The execution's result as the API and the admin show it: secrets masked."""
    return mask(execution.result, shown_secrets(execution))
