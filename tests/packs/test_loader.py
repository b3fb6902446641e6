"""Reading pack directories: both layouts, manifest spellings, and every kind of bad input."""

import os
import time

import pytest

from packs.ondisk.loader import PackInvalid, read_pack


def problems_of(path) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        read_pack(path)
    return [str(problem) for problem in caught.value.problems]


def test_action_linked_workflow_takes_metadata_from_the_action(make_pack_dir):
    pack = make_pack_dir("demo").action_workflow("deploy", label="Deploy it")
    spec = read_pack(pack.path)
    assert spec.ref == "demo"
    (workflow,) = spec.workflows
    fields = workflow.fields
    assert workflow.ref == "demo.deploy"
    assert (fields["label"], fields["description"], fields["tags"]) == ("Deploy it", "Runs deploy", ["ops"])
    assert fields["param_schema"] == {"host": {"type": "string", "required": True}}
    assert [task["name"] for task in fields["definition"]["tasks"]] == ["first", "second"]
    assert fields["source_path"] == "actions/workflows/deploy.workflow.yaml"
    assert fields["metadata_path"] == "actions/deploy.yaml"
    assert fields["source_text"].startswith('version: "1.0.0"')
    assert len(fields["source_sha256"]) == len(fields["metadata_sha256"]) == 64


def test_action_without_parameters_falls_back_to_the_workflow_files(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "ref: demo.deploy\nworkflow_file: workflows/deploy.workflow.yaml\n")
    pack.write(
        "actions/workflows/deploy.workflow.yaml",
        'version: "1.0.0"\nparameters:\n  env: {type: string}\noutput:\n  url: {type: string}\n'
        "tasks:\n  - name: a\n    action: core.echo\n",
    )
    fields = read_pack(pack.path).workflows[0].fields
    assert fields["param_schema"] == {"env": {"type": "string"}}
    assert fields["out_schema"] == {"url": {"type": "string"}}
    assert "parameters" not in fields["definition"]  # metadata lives in columns, the graph in definition
    assert fields["label"] == "Deploy"


def test_standalone_workflow_defaults(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("workflows/nightly_sync.workflow.yml", "tasks:\n  - name: a\n    action: core.echo\n")
    (workflow,) = read_pack(pack.path).workflows
    assert workflow.ref == "demo.nightly_sync"  # from the file stem, .workflow stripped
    assert workflow.fields["label"] == "Nightly sync"
    assert workflow.fields["version"] == "1.0.0"  # the pack's
    assert workflow.fields["enabled"] is True
    assert workflow.fields["metadata_path"] == ""


def test_standalone_workflow_metadata(make_pack_dir):
    pack = make_pack_dir("demo").standalone("nightly", label="Nightly run")
    fields = read_pack(pack.path).workflows[0].fields
    assert (fields["label"], fields["version"], fields["tags"]) == ("Nightly run", "2.0.0", ["nightly"])
    assert fields["param_schema"] == {"day": {"type": "string"}}
    assert fields["definition"] == {"version": "2.0.0", "tasks": [{"name": "only", "action": "core.echo"}]}


def test_manifest_alternative_spellings_and_preference(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write(
        "pack.yaml",
        """\
        ref: demo
        name: From name
        description: d
        version: "1.2.0"
        keywords: [a, b]
        config_schema: {token: {type: string, secret: true}}
        metadata: {owner: sre}
        author: Ada
        email: ada@example.com
        system: true
        """,
    )
    fields = read_pack(pack.path).fields
    assert fields["label"] == "From name"
    assert fields["tags"] == ["a", "b"]
    assert fields["conf_schema"] == {"token": {"type": "string", "secret": True}}
    assert fields["meta"] == {"author": "Ada", "email": "ada@example.com", "owner": "sre"}
    assert fields["is_standard"] is True
    pack.write("pack.yaml", 'ref: demo\nlabel: Documented\nname: Other\ndescription: d\nversion: "1.0.0"\n')
    assert read_pack(pack.path).fields["label"] == "Documented"


def test_unknown_manifest_keys_and_other_folders_are_noted(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", 'ref: demo\nlabel: D\ndescription: d\nversion: "1.0.0"\nflavour: mint\n')
    pack.write("sensors/watch.yaml", "x: 1\n")
    notes = read_pack(pack.path).notes
    assert "pack.yaml: key 'flavour' is not used" in notes
    assert "sensors/: not loaded yet (this version stores workflows and actions only)" in notes


# --- bad input: each names its file, with the line and column where YAML gives one ---------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ref: demo\nlabel: [unclosed\n", "pack.yaml:3:1: "),
        ("- just\n- a list\n", "pack.yaml:1:1: the top level must be a mapping, not a list"),
        ("", "pack.yaml: the top level must be a mapping, not empty"),
        (
            'ref: demo\nlabel: A\nlabel: B\ndescription: d\nversion: "1.0.0"\n',
            "pack.yaml:3:1: duplicate key 'label' (first defined on line 2)",
        ),
        ("ref: !!python/object/apply:os.system [ls]\n", "pack.yaml:1:6: could not determine a constructor"),
        (
            "ref: demo\nlabel: L\ndescription: d\nversion: 1.0\n",
            "pack.yaml:4:10: version: '1.0' is not a semantic version",
        ),
        ('ref: Demo\nlabel: L\ndescription: d\nversion: "1.0.0"\n', "pack.yaml:1:6: ref: Pack ref must be"),
        ('label: L\nversion: "1.0.0"\n', "pack.yaml:1:1: `ref` is missing: add `ref: <pack_ref>`"),
        (
            'name: My Pack\nversion: "1.0.0"\n',
            "pack.yaml:1:7: `ref` is missing, and `name` 'My Pack' is not a valid pack ref",
        ),
        ("ref: demo\nlabel: L\n", "pack.yaml:1:1: 'version' is required"),
        (
            'ref: demo\nlabel: L\ndescription: d\nversion: "1.0.0"\nconf_schema: {p: {type: integer}}\nconfig: {p: x}\n',
            "pack.yaml:6:9: config does not match conf_schema",
        ),
    ],
)
def test_bad_manifest_is_reported_with_its_location(make_pack_dir, text, expected):
    pack = make_pack_dir("demo")
    pack.write("pack.yaml", text)
    problems = problems_of(pack.path)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_missing_manifest(make_pack_dir):
    pack = make_pack_dir("demo")
    (pack.path / "pack.yaml").unlink()
    assert problems_of(pack.path) == ["pack.yaml: missing: every pack needs a pack.yaml manifest"]


def test_non_utf8_file(make_pack_dir):
    pack = make_pack_dir("demo").standalone("nightly")
    (pack.path / "workflows" / "nightly.yaml").write_bytes(b"label: caf\xe9\n")
    assert problems_of(pack.path) == ["workflows/nightly.yaml: not UTF-8 text (byte 10)"]


def test_alias_bomb_is_refused_quickly(make_pack_dir):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for index in range(1, 9):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    pack = make_pack_dir("demo")
    pack.write("workflows/bomb.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    problems = problems_of(pack.path)
    assert time.perf_counter() - started < 1.0
    assert problems == [
        "workflows/bomb.yaml:1:1: the document expands to more than 100000 nodes through anchors and aliases"
    ]


def test_file_over_the_size_cap(make_pack_dir, settings):
    settings.ATTUNE_PACK_MAX_FILE_BYTES = 100
    pack = make_pack_dir("demo").standalone("nightly")
    assert problems_of(pack.path) == [
        f"workflows/nightly.yaml: file is {(pack.path / 'workflows/nightly.yaml').stat().st_size} bytes; the limit is 100"
    ]


@pytest.mark.parametrize("where", ["workflows/linked.yaml", "actions/workflows/linked.workflow.yaml", "docs"])
def test_symlinks_anywhere_in_the_pack_are_refused(make_pack_dir, tmp_path, where):
    pack = make_pack_dir("demo").action_workflow("deploy")
    outside = tmp_path / "outside.yaml"
    outside.write_text("tasks: []\n")
    link = pack.path / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, link)
    assert f"{where}: symlinks are not allowed in a pack" in problems_of(pack.path)


def test_special_files_are_refused(make_pack_dir):
    pack = make_pack_dir("demo")
    os.mkfifo(pack.path / "pipe")
    assert "pipe: only regular files and directories are allowed in a pack" in problems_of(pack.path)


@pytest.mark.parametrize(
    "workflow_file, message",
    [
        ("../../pack.yaml", "must be a relative path inside actions/workflows/"),
        ("/etc/passwd", "must be a relative path inside actions/workflows/"),
        ("deploy.workflow.yaml", "must be a relative path inside actions/workflows/"),
        ("workflows/../deploy.yaml", "must be a relative path inside actions/workflows/"),
        ("", "must be a path such as workflows/<name>.workflow.yaml"),
    ],
)
def test_workflow_file_must_stay_inside_actions_workflows(make_pack_dir, workflow_file, message):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", f"ref: demo.deploy\nworkflow_file: '{workflow_file}'\n")
    problems = problems_of(pack.path)
    assert any(p.startswith("actions/deploy.yaml:2:16: workflow_file:") and message in p for p in problems), (
        problems
    )


def test_missing_workflow_file(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "ref: demo.deploy\nworkflow_file: workflows/gone.workflow.yaml\n")
    assert problems_of(pack.path) == ["actions/workflows/gone.workflow.yaml: file not found"]


def test_workflow_ref_of_another_pack(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("workflows/steal.yaml", "ref: other.steal\ntasks:\n  - name: a\n    action: core.echo\n")
    assert problems_of(pack.path) == [
        "workflows/steal.yaml:1:6: ref 'other.steal' belongs to another pack: it must start with 'demo.'"
    ]


def test_two_files_with_the_same_ref(make_pack_dir):
    pack = make_pack_dir("demo").action_workflow("deploy")
    pack.write(
        "workflows/deploy_again.yaml", "ref: demo.deploy\ntasks:\n  - name: a\n    action: core.echo\n"
    )
    assert problems_of(pack.path) == [
        # The second file, at its `ref:` line; the first named with its line.
        "workflows/deploy_again.yaml:1:6: workflow ref 'demo.deploy' is also defined by actions/deploy.yaml:1"
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "parameters:\n  host: {type: strng}\ntasks:\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:2:3: parameters: Invalid schema",
        ),
        (
            "output: [1]\ntasks:\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:1:9: output: Must be a JSON object",
        ),
        ("tasks: []\n", "workflows/bad.yaml:1:8: W005-empty-list: 'tasks' must not be empty."),
        (
            "tasks:\n  - name: a\n    action: core.echo\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:4:11: W102-duplicate-task: Task name 'a' is used twice (first at /tasks/0/name); names must be unique.",
        ),
        (
            "tags: ['a,b']\ntasks:\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:1:7: tags: Tag 'a,b' must not contain a comma.",
        ),
        (
            "enabled: 'yes'\ntasks:\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:1:10: enabled: must be true or false",
        ),
        (
            "version: 2\ntasks:\n  - name: a\n    action: core.echo\n",
            "workflows/bad.yaml:1:10: W002-wrong-type: 2 is not of type 'string'.",
        ),
    ],
)
def test_invalid_workflow_fields_use_the_api_validators(make_pack_dir, text, expected):
    pack = make_pack_dir("demo")
    pack.write("workflows/bad.yaml", text)
    problems = problems_of(pack.path)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_is_listed_at_once(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("workflows/one.yaml", "tasks: []\n")
    pack.write("workflows/two.yaml", "a: 1\na: 2\n")
    pack.write("actions/three.yaml", "workflow_file: workflows/three.workflow.yaml\n")
    pack.write("actions/workflows/three.workflow.yaml", "tasks:\n  - name: x\n    action: core.echo\n")
    problems = problems_of(pack.path)
    assert [p.split(":")[0] for p in problems] == [
        "actions/three.yaml",
        "workflows/one.yaml",
        "workflows/two.yaml",
    ]


def test_unknown_action_key_is_an_error(make_pack_dir):
    pack = make_pack_dir("demo").action_workflow("deploy")
    pack.write(
        "actions/deploy.yaml",
        "ref: demo.deploy\nworkflow_file: workflows/deploy.workflow.yaml\nparamters: {}\n",
    )
    (problem,) = problems_of(pack.path)
    assert problem.startswith("actions/deploy.yaml:3:12: unknown key 'paramters'")


def test_a_pack_cannot_depend_on_itself(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write(
        "pack.yaml", 'ref: demo\nlabel: D\ndescription: d\nversion: "1.0.0"\ndependencies: [core, demo]\n'
    )
    assert problems_of(pack.path) == ["pack.yaml:5:15: dependencies: a pack cannot depend on itself"]


def test_an_invalid_pack_version_is_reported_once(make_pack_dir):
    pack = make_pack_dir("demo").standalone("one").standalone("two")
    pack.write("workflows/one.yaml", "tasks:\n  - name: a\n    action: core.echo\n")
    pack.write("workflows/two.yaml", "tasks:\n  - name: a\n    action: core.echo\n")
    pack.write("pack.yaml", "ref: demo\nlabel: D\ndescription: d\nversion: one\n")
    assert problems_of(pack.path) == [
        "pack.yaml:4:10: version: 'one' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)."
    ]


def test_a_complex_mapping_key_is_named_plainly(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("workflows/odd.yaml", "? [a, b]\n: 1\n")
    assert problems_of(pack.path) == [
        "workflows/odd.yaml:1:3: mapping keys must be strings, not a list or mapping"
    ]


def test_a_workflow_action_without_ref_is_reported_on_the_action_file(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/deploy.yaml", "workflow_file: workflows/missing.workflow.yaml\n")
    assert problems_of(pack.path) == [
        "actions/deploy.yaml:1:1: 'ref' is required in a workflow action (e.g. ref: <pack>.<name>)"
    ]
