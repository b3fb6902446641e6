"""Reading the files of one pack: size and encoding checks, strict YAML, located problems."""

import errno
import hashlib
import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from attune.yamlio import YamlDocument, YamlError, load_yaml
from packs.ondisk.specs import Problem, SourceFile

# Never through a symlink (ELOOP), never waiting on a FIFO or device (O_NONBLOCK), judged by
# the opened file itself (fstat), so it cannot be swapped between the check and the read.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
NOT_OPENABLE = {errno.ELOOP, errno.ENXIO, errno.EOPNOTSUPP}


class NotRegularFile(Exception):
    pass


class FileTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path` (not a symlink), at most `max_bytes` long.

    os-level calls rather than open(): for a thousand small files the file objects, and the
    lstat before the open, cost as much as the reading (bench/load_pack.py).
    """
    try:
        fd = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in NOT_OPENABLE:
            raise NotRegularFile from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile
        if info.st_size > max_bytes:
            raise FileTooLarge(info.st_size)
        # Up to one byte past the limit, so a file that grew since fstat is still refused;
        # each read asks for the stated size (plus the byte that finds EOF), not the limit.
        chunks, size = [], 0
        while size <= max_bytes and (chunk := os.read(fd, min(max_bytes + 1 - size, info.st_size + 1))):
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(size)
        return b"".join(chunks)
    finally:
        os.close(fd)


class PackReader:
    """Collects problems while reading one pack, so every problem is reported at once."""

    def __init__(self, root: Path, progress=None):
        self.root = root
        self.progress = progress
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.workflows_checked = 0
        self.files_read: set[str] = set()
        self.all_files: list[str] = []  # every regular file, as found by the loader's tree check
        self.max_bytes = settings.ATTUNE_PACK_MAX_FILE_BYTES
        # Set once pack.yaml is read (packs.ondisk.stamps): the stamped rows of the pack by
        # file, the load key and the pack's defaults that go into each workflow's stamp.
        self.stored: dict[str, tuple] = {}
        self.stamp_key, self.defaults = "", ()
        self.unchanged = 0  # workflows taken from their stored rows, not validated again

    def problem(self, file, message, doc: YamlDocument | None = None, pointer: str = "", ref: str = ""):
        line, column = doc.position(pointer) if doc is not None else (None, None)
        self.problems.append(Problem(str(file), message, line, column, ref))

    def read(self, relative: str, quiet: bool = False) -> SourceFile | None:
        """The file's text and hash; None, with a problem recorded unless `quiet`, if it
        cannot be read as a pack file. A quiet read is not counted as read, either."""
        if not quiet:
            self.files_read.add(relative)
        problem = self.problem if not quiet else lambda *args: None
        path = os.path.join(self.root, relative)
        try:
            raw = read_regular_file(path, self.max_bytes)
        except FileNotFoundError:
            problem(relative, "file not found")
            return None
        except NotRegularFile:
            problem(relative, "not a regular file")
            return None
        except FileTooLarge as exc:
            problem(relative, f"file is {exc.size} bytes; the limit is {self.max_bytes}")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem(relative, f"not UTF-8 text (byte {exc.start})")
            return None
        return SourceFile(relative, text, hashlib.sha256(raw).hexdigest())

    def parse_mapping(self, source: SourceFile) -> YamlDocument | None:
        try:
            doc = load_yaml(source.text, settings.ATTUNE_YAML_MAX_NODES)
        except YamlError as exc:
            self.problems.append(Problem(source.path, exc.message, exc.line, exc.column))
            return None
        if not isinstance(doc.data, dict):
            kind = "empty" if doc.data is None else f"a {type(doc.data).__name__}"
            self.problem(source.path, f"the top level must be a mapping, not {kind}", doc)
            return None
        return doc

    def check(self, file, doc, pointer, value, rule, ref: str = "") -> None:
        """Apply one of the model's field rules, recording its messages as problems."""
        try:
            rule(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.problem(file, f"{pointer.strip('/')}: {message}", doc, pointer, ref)


def text_rule(value, minimum: int, maximum: int | None) -> None:
    if not isinstance(value, str):
        raise ValidationError("must be text")
    if len(value) < minimum or (maximum is not None and len(value) > maximum):
        raise ValidationError(f"must be {minimum}-{maximum} characters" if maximum else "must not be empty")


def boolean_rule(value) -> None:
    if not isinstance(value, bool):
        raise ValidationError("must be true or false")
