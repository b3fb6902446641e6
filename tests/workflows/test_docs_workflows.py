"""Every complete workflow shown in docs/ validates clean (fragments and invalid examples are marked)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from attune.yamlio import load_yaml
from workflows.validation import check_definition

DOCS = Path(settings.BASE_DIR) / "docs"
BLOCK = re.compile(
    r"(<!--[^>]*-->\s*|<summary>[^<]*(?:<code>[^<]*</code>)?[^<]*</summary>\s*)?```(?:yaml|yml|json)\n(.*?)```",
    re.DOTALL,
)
# Keys a pack file carries beside the graph; the loader stores them in columns, not the definition.
METADATA = ("ref", "label", "description", "tags", "enabled", "output")


def find_workflow(data):
    """The workflow in a docs block: a document, a request body, or a response's data."""
    if not isinstance(data, dict) or "$schema" in data:
        return None
    if isinstance(data.get("tasks"), list):
        return data
    return find_workflow(data.get("definition")) or find_workflow(data.get("data"))


def workflow_blocks():
    for page in sorted(DOCS.glob("*.md")):
        for match in BLOCK.finditer(page.read_text()):
            marker, text = match.group(1) or "", match.group(2)
            if any(word in marker.lower() for word in ("fragment", "invalid", "broken")):
                continue
            if re.search(r"^\s*\"?tasks\"?:", text, re.MULTILINE) and find_workflow(load_yaml(text).data):
                yield pytest.param(
                    text, id=f"{page.name}:{page.read_text()[: match.start()].count(chr(10)) + 1}"
                )


@pytest.mark.parametrize("text", list(workflow_blocks()))
def test_docs_workflow_validates_clean(text):
    document = load_yaml(text).data
    data = find_workflow(document)
    definition = {k: v for k, v in data.items() if k not in METADATA}
    if data is document:
        # A pack file: the loader gives a graph without `version` the workflow's version.
        definition.setdefault("version", "1.0.0")
    report = check_definition(definition, param_schema=data.get("parameters") or data.get("param_schema"))
    assert [str(d) for d in report.errors] == []


def test_the_docs_show_workflows():
    assert len(list(workflow_blocks())) >= 4
