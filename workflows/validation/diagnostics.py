"""Diagnostics: what the validator says about a definition, located in it."""

from dataclasses import asdict, dataclass

ERROR, WARNING = "error", "warning"
# Diagnostics about a key itself (rather than its value) are located at the key.
AT_KEY = {
    "W001-unknown-key",
    "W123-key-and-alias",
    "W124-wait-for-not-here",
    "W602-iterate-cache-not-supported",
    "W603-permission-sets-not-applied",
}


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a stable code, how bad it is, what to do, and where.

    `path` is a JSON pointer into the definition (`/tasks/2/next/0/do/1`); `line` and
    `column` (1-based) are filled in when the definition came from YAML text.
    """

    code: str
    message: str
    path: str = ""
    severity: str = ERROR
    line: int | None = None
    column: int | None = None

    def __str__(self):
        return f"{self.path or '/'}: {self.code}: {self.message}"

    def located(self, line: int | None, column: int | None) -> "Diagnostic":
        return Diagnostic(self.code, self.message, self.path, self.severity, line, column)

    def as_dict(self) -> dict:
        return asdict(self)


def pointer(*parts) -> str:
    """A JSON pointer from path parts (keys escaped per RFC 6901)."""
    return "".join(
        f"/{part}"
        if type(part) is int or (type(part) is str and "~" not in part and "/" not in part)
        else _escaped(part)
        for part in parts
    )


def _escaped(part) -> str:
    return "/" + str(part).replace("~", "~0").replace("/", "~1")
