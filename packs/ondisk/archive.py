"""Unpack an uploaded pack archive (.tar.gz, .tgz, .zip) without trusting anything in it.

Refused, before a byte is written: absolute paths, `..`, member names with control
characters, symlinks, hard links, devices and other special members, more than
ATTUNE_UPLOAD_MAX_FILES members, and more than ATTUNE_UPLOAD_MAX_BYTES unpacked (counted
while writing, so a lying header cannot pass). Messages name members as the archive does,
never a path on the server.
"""

import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings

CHUNK = 64 * 1024


class ArchiveRejected(Exception):
    """The archive cannot be unpacked safely; the message says why."""


def archive_kind(filename: str) -> str:
    name = filename.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    raise ArchiveRejected(f"'{filename}' is not a .tar.gz, .tgz or .zip archive")


def _shown(name: str) -> str:
    """A member name fit for a message: control characters escaped, long names cut."""
    text = name.encode("unicode_escape").decode("ascii") if _has_control(name) else name
    return text if len(text) <= 200 else text[:197] + "..."


def _has_control(name: str) -> bool:
    return any(ord(char) < 32 or 127 <= ord(char) < 160 for char in name)


def _safe_relative(name: str) -> PurePosixPath | None:
    """The member's path, or None for the archive root; raise if it could escape."""
    if _has_control(name):
        # A newline or escape sequence in a file name forges log lines and terminal output.
        raise ArchiveRejected(f"member '{_shown(name)}' has a control character in its name")
    normalized = name.replace("\\", "/")
    path = PurePosixPath(normalized)
    # "C:/x" is absolute on Windows; refuse drive letters as well as a leading slash.
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        raise ArchiveRejected(f"member '{_shown(name)}' has an absolute path")
    if ".." in path.parts:
        raise ArchiveRejected(f"member '{_shown(name)}' leads outside the archive ('..')")
    parts = [part for part in path.parts if part not in ("", ".")]
    return PurePosixPath(*parts) if parts else None


class _Budget:
    def __init__(self):
        self.max_bytes = settings.ATTUNE_UPLOAD_MAX_BYTES
        self.max_files = settings.ATTUNE_UPLOAD_MAX_FILES
        self.bytes = self.files = 0

    def count_member(self):
        self.files += 1
        if self.files > self.max_files:
            raise ArchiveRejected(f"the archive has more than {self.max_files} members")

    def copy(self, source, target: Path, name: str) -> None:
        try:
            out = open(target, "xb")  # noqa: SIM115 - closed by the with below
        except FileExistsError:
            raise ArchiveRejected(f"member '{_shown(name)}' appears twice in the archive") from None
        except IsADirectoryError:
            raise ArchiveRejected(f"member '{_shown(name)}' is both a file and a directory") from None
        with out:
            while chunk := source.read(CHUNK):
                self.bytes += len(chunk)
                if self.bytes > self.max_bytes:
                    raise ArchiveRejected(f"the archive unpacks to more than {self.max_bytes} bytes")
                out.write(chunk)


def _make_dirs(destination: Path, relative: PurePosixPath) -> Path:
    target = destination.joinpath(*relative.parts)
    target.mkdir(parents=True, exist_ok=True)
    return target


def _extract_tar(fileobj, destination: Path, budget: _Budget) -> None:
    try:
        archive = tarfile.open(fileobj=fileobj, mode="r:*")  # noqa: SIM115 - closed by the with below
    except tarfile.TarError as exc:
        raise ArchiveRejected(f"not a readable tar archive: {exc}") from None
    with archive:
        for member in archive:
            budget.count_member()
            relative = _safe_relative(member.name)
            if member.issym() or member.islnk():
                raise ArchiveRejected(f"member '{_shown(member.name)}' is a link; links are not allowed")
            if not (member.isfile() or member.isdir()):
                raise ArchiveRejected(f"member '{_shown(member.name)}' is a device or special file")
            if relative is None:
                continue
            if member.isdir():
                _make_dirs(destination, relative)
                continue
            parent = _make_dirs(destination, relative.parent) if relative.parent.parts else destination
            budget.copy(archive.extractfile(member), parent / relative.name, member.name)


def _extract_zip(fileobj, destination: Path, budget: _Budget) -> None:
    try:
        archive = zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile as exc:
        raise ArchiveRejected(f"not a readable zip archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            budget.count_member()
            relative = _safe_relative(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise ArchiveRejected(f"member '{_shown(info.filename)}' is a link; links are not allowed")
            kind = stat.S_IFMT(mode)  # 0 when the zip stored permission bits only
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise ArchiveRejected(f"member '{_shown(info.filename)}' is a device or special file")
            if relative is None:
                continue
            if info.is_dir():
                _make_dirs(destination, relative)
                continue
            parent = _make_dirs(destination, relative.parent) if relative.parent.parts else destination
            with archive.open(info) as source:
                budget.copy(source, parent / relative.name, info.filename)


def extract(fileobj, filename: str, destination: Path) -> Path:
    """Unpack into the empty directory `destination`; return the pack root inside it.

    The root is `destination` itself when pack.yaml is at the top, or the single top-level
    folder when the archive wraps the pack in one (as `tar czf x.tgz mypack/` does).
    """
    kind = archive_kind(filename)
    budget = _Budget()
    try:
        (_extract_tar if kind == "tar" else _extract_zip)(fileobj, destination, budget)
    except OSError as exc:
        # str(exc) of an OSError carries the server path of the file: say only what went wrong.
        raise ArchiveRejected(
            f"the archive could not be unpacked: {exc.strerror or type(exc).__name__}"
        ) from None
    except (EOFError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ArchiveRejected(f"the archive could not be read: {exc}") from None
    if (destination / "pack.yaml").is_file():
        return destination
    entries = list(destination.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / "pack.yaml").is_file():
        return entries[0]
    raise ArchiveRejected("the archive has no pack.yaml at its top or in its single top-level folder")
