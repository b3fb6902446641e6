"""Reading the files of one pack: size and encoding checks, strict YAML, located problems."""

import hashlib
import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from attune.yamlio import YamlDocument, YamlError, load_yaml
from packs.ondisk.specs import Problem, SourceFile


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
        # os, not pathlib: for a thousand files its path objects cost more than the reading.
        path = os.path.join(self.root, relative)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            problem(relative, "file not found")
            return None
        if not stat.S_ISREG(info.st_mode):
            problem(relative, "not a regular file")
            return None
        if info.st_size > self.max_bytes:
            problem(relative, f"file is {info.st_size} bytes; the limit is {self.max_bytes}")
            return None
        with open(path, "rb") as file:
            raw = file.read()
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
