"""Argument handling shared by load_pack and validate_pack."""

from pathlib import Path

from django.core.management.base import CommandError

from packs.ondisk.loader import PackInvalid, PackSpec, read_pack


def pack_dirs(paths: list[str], all_dir: str | None) -> list[Path]:
    """The pack directories named, or every directory with a pack.yaml under `all_dir`."""
    dirs = [Path(path) for path in paths]
    if all_dir:
        parent = Path(all_dir)
        if not parent.is_dir():
            raise CommandError(f"{all_dir}: not a directory")
        dirs += sorted(child for child in parent.iterdir() if (child / "pack.yaml").is_file())
    if not dirs:
        raise CommandError("name at least one pack directory, or --all DIR")
    return dirs


def read_all(dirs: list[Path], stdout=None, stored=None) -> tuple[list[PackSpec], list[PackInvalid]]:
    """Read every pack; collect the failures instead of stopping at the first.

    `stored`: read_pack's lookup of stamped rows (skip what they vouch for), or None to
    validate every file.
    """
    specs, failures = [], []
    for directory in dirs:

        def progress(count, name=directory.name):
            if stdout is not None:
                stdout.write(f"{name}: {count} workflows read")

        try:
            specs.append(read_pack(directory, progress, stored))
        except PackInvalid as exc:
            failures.append(exc)
    return specs, failures


def report_failures(stdout, style, failures: list[PackInvalid]) -> None:
    """Compiler-style lines: path/file:line:column: message."""
    for failure in failures:
        for problem in failure.problems:
            stdout.write(
                style.ERROR(
                    f"{Path(failure.path) / problem.file if problem.file != failure.path else problem.file}"
                    f"{_location(problem)}: {problem.message}"
                )
            )


def _location(problem) -> str:
    return "".join(f":{part}" for part in (problem.line, problem.column) if part is not None)
