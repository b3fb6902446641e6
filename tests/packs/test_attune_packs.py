"""Packs as Attune writes them load here; what this server cannot honour is said precisely."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from packs.models import Pack
from packs.ondisk.loader import PackInvalid, read_pack
from packs.ondisk.sync import load_packs
from workflows.models import Workflow

FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures" / "packs"


def problems_of(path) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        read_pack(path)
    return [str(problem) for problem in caught.value.problems]


def copy_fixture(name: str, tmp_path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


# --- the Attune-layout fixture packs ------------------------------------------------------


def test_an_attune_pack_loads_with_its_opaque_version_and_permission_sets(db):
    spec = read_pack(FIXTURES / "ops_attune")
    (plan,) = load_packs([spec])
    assert plan.action == "create"
    pack = Pack.objects.get(ref="ops_attune")
    assert pack.description == ""  # pack.yaml has none: optional, as in Attune
    workflow = Workflow.objects.get(ref="ops_attune.rollout")
    assert workflow.version == "1.0"  # the graph file's own version, not a semantic version
    check = workflow.definition["tasks"][1]
    assert check["permission_set_refs"] == ["standard"]  # stored for the engine
    assert workflow.param_schema == {"service": {"type": "string", "required": True}}


def test_an_attune_pack_says_what_is_kept_but_not_applied():
    notes = read_pack(FIXTURES / "ops_attune").notes
    assert any(
        note.startswith(
            "actions/rollout.yaml:8: default_execution_permission_set_refs: kept in the action file"
        )
        for note in notes
    ), notes
    assert any(
        note.startswith("actions/workflows/rollout.workflow.yaml:17:5: W603-permission-sets-not-applied")
        and note.endswith("(warning)")
        for note in notes
    ), notes
    assert "caches/: not loaded yet (this version stores workflows and actions only)" in notes
    assert "permission_sets/: not loaded yet (this version stores workflows and actions only)" in notes
    # A parseable file of a directory not loaded gets no parse note.
    assert not any("does not parse" in note for note in notes)


def test_an_attune_workflow_that_waits_for_an_inquiry_loads_with_its_wait_for(db):
    spec = read_pack(FIXTURES / "approvals_attune")
    assert not any("W601" in note or "wait_for" in note for note in spec.notes), spec.notes
    load_packs([spec])
    workflow = Workflow.objects.get(ref="approvals_attune.gated_change")
    apply = workflow.definition["tasks"][1]
    assert apply["wait_for"] == {"inquiry": "{{ task.ask.inquiry_id }}"}  # stored for the engine


def test_an_attune_workflow_waiting_in_a_with_items_task_is_refused_at_the_wait_for_line(tmp_path):
    pack = copy_fixture("approvals_attune", tmp_path)
    graph = pack / "actions" / "workflows" / "gated_change.workflow.yaml"
    graph.write_text(
        graph.read_text().replace("    wait_for:", '    with_items: "{{ [1, 2] }}"\n    wait_for:')
    )
    problems = problems_of(pack)
    assert len(problems) == 1, problems
    assert problems[0].startswith("actions/workflows/gated_change.workflow.yaml:16:5: W124-wait-for-not-here")


# --- versions: opaque for workflows, semantic for packs, reported where written ------------


def test_a_graph_version_like_1_0_loads(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "ref: demo.deploy\nworkflow_file: workflows/deploy.workflow.yaml\n")
    pack.write(
        "actions/workflows/deploy.workflow.yaml",
        'version: "1.0"\ntasks:\n  - name: a\n    action: core.echo\n',
    )
    (workflow,) = read_pack(pack.path).workflows
    assert workflow.fields["version"] == "1.0"
    assert workflow.fields["definition"]["version"] == "1.0"


def test_a_bad_graph_version_is_reported_in_the_graph_file_not_the_action_file(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "ref: demo.deploy\nworkflow_file: workflows/deploy.workflow.yaml\n")
    long = "1" * 51
    pack.write(
        "actions/workflows/deploy.workflow.yaml",
        f'version: "{long}"\ntasks:\n  - name: a\n    action: core.echo\n',
    )
    assert problems_of(pack.path) == [
        f"actions/workflows/deploy.workflow.yaml:1:10: W006-invalid-value: `version` takes a string of "
        f"1-50 characters (got '{long}')."
    ]


def test_a_bad_action_version_is_reported_at_its_line_in_the_action_file(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write(
        "actions/deploy.yaml",
        'ref: demo.deploy\nversion: ""\nworkflow_file: workflows/deploy.workflow.yaml\n',
    )
    pack.write("actions/workflows/deploy.workflow.yaml", "tasks:\n  - name: a\n    action: core.echo\n")
    (problem,) = problems_of(pack.path)
    assert problem.startswith("actions/deploy.yaml:2:10: version: A workflow version is a string of 1-50")


def test_a_graph_parameter_schema_problem_is_reported_in_the_graph_file(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "ref: demo.deploy\nworkflow_file: workflows/deploy.workflow.yaml\n")
    pack.write(
        "actions/workflows/deploy.workflow.yaml",
        "parameters:\n  host: {type: strng}\ntasks:\n  - name: a\n    action: core.echo\n",
    )
    (problem,) = problems_of(pack.path)
    assert problem.startswith("actions/workflows/deploy.workflow.yaml:2:3: parameters: ")


def test_a_pack_version_stays_semantic(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'ref: demo\nversion: "1.0"\n')
    assert problems_of(pack.path) == [
        "pack.yaml:2:10: version: '1.0' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)."
    ]


# --- pack.yaml: only ref and version are required ----------------------------------------


def test_a_manifest_without_description_or_label_loads_with_the_ref_as_label(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'ref: demo\nversion: "1.0.0"\n')
    spec = read_pack(pack.path)
    assert spec.fields["label"] == "demo"
    assert "description" not in spec.fields


def test_a_stackstorm_manifest_uses_its_name_as_the_ref(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'name: demo\ndescription: StackStorm style\nversion: "1.0.0"\n')
    spec = read_pack(pack.path)
    assert spec.ref == "demo" and spec.fields["label"] == "demo"
    assert (
        "pack.yaml: no `ref`; the pack's `name` 'demo' is used as its ref (StackStorm layout)" in spec.notes
    )


def test_a_manifest_with_ref_does_not_take_its_name_as_the_ref(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'ref: demo\nname: Something Else\nversion: "1.0.0"\n')
    spec = read_pack(pack.path)
    assert spec.ref == "demo" and spec.fields["label"] == "Something Else"
    assert not any("used as its ref" in note for note in spec.notes)


def test_a_manifest_without_any_ref_says_ref_is_missing(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'label: Demo\nversion: "1.0.0"\n')
    (problem,) = problems_of(pack.path)
    assert problem == "pack.yaml:1:1: `ref` is missing: add `ref: <pack_ref>` (e.g. ref: my_pack)"
    assert "characters" not in problem  # not the length rule


# --- two files, one ref --------------------------------------------------------------------


def test_a_second_definition_of_a_ref_is_reported_at_its_ref_line(make_pack_dir):
    pack = make_pack_dir("demo")
    for name in ("a", "b"):
        pack.write(
            f"actions/{name}.yaml",
            f"label: {name}\nref: demo.deploy\nworkflow_file: workflows/{name}.workflow.yaml\n",
        )
        pack.write(f"actions/workflows/{name}.workflow.yaml", "tasks:\n  - name: t\n    action: core.echo\n")
    assert problems_of(pack.path) == [
        "actions/b.yaml:2:6: workflow ref 'demo.deploy' is also defined by actions/a.yaml:2"
    ]


# --- files Attune would refuse, in directories not loaded yet ----------------------------


@pytest.mark.parametrize("folder", ["caches", "rules", "permission_sets"])
def test_broken_yaml_in_a_directory_not_loaded_is_named_with_its_parse_error(make_pack_dir, folder):
    pack = make_pack_dir("demo").standalone("nightly")
    pack.write(f"{folder}/broken.yaml", "ref: demo.x\nlabel: [unclosed\n")
    spec = read_pack(pack.path)  # still loads: this server does not use the file
    notes = [note for note in spec.notes if note.startswith(f"{folder}/broken.yaml:")]
    assert len(notes) == 1, spec.notes
    assert "does not parse, Attune would refuse it: " in notes[0]
    assert notes[0].startswith(f"{folder}/broken.yaml:3:1: ")


def test_yaml_in_a_directory_attune_does_not_parse_is_not_parsed(make_pack_dir):
    pack = make_pack_dir("demo").standalone("nightly")
    pack.write("tests/broken.yaml", "label: [unclosed\n")
    assert not any("does not parse" in note for note in read_pack(pack.path).notes)


def test_a_fixture_copy_with_a_broken_cache_file_still_loads(tmp_path):
    root = copy_fixture("ops_attune", tmp_path)
    (root / "caches" / "hosts.yaml").write_text("ref: ops_attune.hosts\n  bad: indent\n")
    notes = read_pack(root).notes
    assert any(note.startswith("caches/hosts.yaml:2:") and "does not parse" in note for note in notes), notes
