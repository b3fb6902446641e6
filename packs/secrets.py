"""Secret config values: which are secret, and what anyone is shown instead of them.

A top-level `config` key is secret when the pack's `conf_schema` marks it (`secret: true` or
`writeOnly: true`, see attune.validators.secret_keys). The API and the admin both show
`masked_config`, to every user, superusers included; the stored value is unchanged.
"""

from attune.validators import secret_keys

SECRET_MASK = "********"  # noqa: S105 - a placeholder shown instead of a secret


def masked_config(conf_schema, config):
    """`config` with each secret value replaced by SECRET_MASK."""
    if not isinstance(config, dict):
        return config
    secret = secret_keys(conf_schema)
    return {key: SECRET_MASK if key in secret else value for key, value in config.items()}


def has_secret_values(conf_schema, config) -> bool:
    return isinstance(config, dict) and bool(secret_keys(conf_schema) & config.keys())
