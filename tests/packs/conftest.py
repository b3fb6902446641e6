import textwrap
from pathlib import Path

import pytest

MANIFEST = """\
ref: {ref}
label: {label}
description: A pack for tests
version: "1.0.0"
"""

ACTION = """\
ref: {ref}
label: {label}
description: Runs {name}
enabled: true
parameters:
  host:
    type: string
    required: true
tags: [ops]
workflow_file: workflows/{name}.workflow.yaml
"""

GRAPH = """\
version: "1.0.0"
tasks:
  - name: first
    action: core.echo
    next:
      - do: [second]
  - name: second
    action: core.echo
"""

STANDALONE = """\
label: {label}
description: Standalone {name}
version: "2.0.0"
tags: [nightly]
parameters:
  day:
    type: string
tasks:
  - name: only
    action: core.echo
"""


class PackBuilder:
    """Writes a pack directory file by file; `path` is what the loader reads."""

    def __init__(self, root: Path, ref: str):
        self.ref = ref
        self.path = root / ref
        self.path.mkdir(parents=True)
        self.write("pack.yaml", MANIFEST.format(ref=ref, label=ref.title()))

    def write(self, relative: str, text: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
        return target

    def action_workflow(self, name: str, label: str | None = None, graph: str = GRAPH) -> "PackBuilder":
        ref = f"{self.ref}.{name}"
        self.write(f"actions/{name}.yaml", ACTION.format(ref=ref, label=label or name.title(), name=name))
        self.write(f"actions/workflows/{name}.workflow.yaml", graph)
        return self

    def standalone(self, name: str, label: str | None = None, text: str | None = None) -> "PackBuilder":
        self.write(
            f"workflows/{name}.yaml", text or STANDALONE.format(label=label or name.title(), name=name)
        )
        return self


@pytest.fixture
def make_pack_dir(tmp_path):
    """Build pack directories under a temporary folder."""

    def make(ref: str = "demo", root: Path | None = None) -> PackBuilder:
        return PackBuilder(root or tmp_path, ref)

    return make


@pytest.fixture
def packs_dir(tmp_path, settings):
    """A fresh ATTUNE_PACKS_DIR: the only place API calls may read packs from."""
    directory = tmp_path / "packs-dir"
    directory.mkdir()
    settings.ATTUNE_PACKS_DIR = directory
    return directory
