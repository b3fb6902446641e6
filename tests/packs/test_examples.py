"""The shipped example packs load, and `install_examples` is idempotent."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from packs.models import Pack
from packs.ondisk.loader import read_pack
from workflows.models import Workflow

EXAMPLES = sorted((Path(settings.BASE_DIR) / "examples" / "packs").iterdir())


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_pack_validates_clean(example):
    spec = read_pack(example)
    assert spec.ref == example.name
    assert len(spec.workflows) >= 2
    assert all(len(workflow.fields["definition"]["tasks"]) >= 3 for workflow in spec.workflows)


def test_examples_cover_both_layouts():
    specs = [read_pack(example) for example in EXAMPLES]
    layouts = {bool(w.fields["metadata_path"]) for spec in specs for w in spec.workflows}
    assert layouts == {True, False}


def test_install_examples_copies_and_loads_once(db, packs_dir):
    out = StringIO()
    call_command("install_examples", stdout=out)
    assert sorted(p.name for p in packs_dir.iterdir()) == [p.name for p in EXAMPLES]
    assert sorted(Pack.objects.exclude(ref="core").values_list("ref", flat=True)) == [
        p.name for p in EXAMPLES
    ]
    assert Pack.objects.get(ref="slack").source_dir == str(packs_dir / "slack")
    count = Workflow.objects.count()
    again = StringIO()
    call_command("install_examples", stdout=again)
    assert again.getvalue().count("workflows: 0 created, 0 updated, 0 deleted") == len(EXAMPLES)
    assert Workflow.objects.count() == count


def test_install_examples_keeps_an_operators_copy(db, packs_dir):
    call_command("install_examples", stdout=StringIO())
    readme = packs_dir / "slack" / "README.md"
    readme.write_text("edited by the operator\n")
    call_command("install_examples", stdout=StringIO())
    assert readme.read_text() == "edited by the operator\n"
