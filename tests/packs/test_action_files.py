"""Runner actions on disk: what an action file becomes, and every problem located file:line:column."""

import os

import pytest

from packs.ondisk.loader import PackInvalid, read_pack

PROBE = """\
ref: demo.probe
label: Probe
description: Fetch a URL
runner_type: python
entry_point: probe.py
parameters:
  url:
    type: string
    required: true
output:
  status: {type: integer}
parameter_delivery: file
parameter_format: dotenv
output_format: json
timeout: 30
tags: [net, Net]
"""


def problems_of(path) -> list[str]:
    with pytest.raises(PackInvalid) as caught:
        read_pack(path)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def probe_pack(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/probe.yaml", PROBE)
    pack.write("actions/probe.py", "print('{}')\n")
    return pack


def test_a_runner_action_file_becomes_an_action_with_every_key(probe_pack):
    spec = read_pack(probe_pack.path)
    (action,) = spec.actions
    assert action.ref == "demo.probe"
    fields = action.fields
    assert (fields["label"], fields["description"], fields["enabled"]) == ("Probe", "Fetch a URL", True)
    assert (fields["runner_type"], fields["entry_point"], fields["timeout"]) == ("python", "probe.py", 30)
    assert fields["parameters"] == {"url": {"type": "string", "required": True}}
    assert fields["output"] == {"status": {"type": "integer"}}
    assert (fields["parameter_delivery"], fields["parameter_format"], fields["output_format"]) == (
        "file",
        "dotenv",
        "json",
    )
    assert fields["tags"] == ["net", "Net"]
    assert (fields["source_path"], fields["source_text"]) == ("actions/probe.yaml", PROBE)
    assert fields["workflow_ref"] == ""
    assert spec.workflows == []
    # The script is part of the action, not "kept on disk, not loaded".
    assert not any("kept on disk" in note for note in spec.notes), spec.notes


def test_a_runner_action_gets_defaults_and_a_ref_from_its_name(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write(
        "actions/restart_host.yaml", "name: restart_host\nrunner_type: shell\nentry_point: restart.sh\n"
    )
    pack.write("actions/restart.sh", "echo ok\n")
    (action,) = read_pack(pack.path).actions
    assert action.ref == "demo.restart_host"
    assert action.fields["label"] == "Restart host"
    assert (action.fields["parameters"], action.fields["output"], action.fields["timeout"]) == (
        {},
        None,
        None,
    )
    assert (action.fields["parameter_delivery"], action.fields["parameter_format"]) == ("stdin", "json")
    assert action.fields["output_format"] == "text"


def test_without_ref_or_name_the_file_stem_names_the_action(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/ping.yaml", "runner_type: shell\nentry_point: lib/ping.sh\n")
    pack.write("actions/lib/ping.sh", "echo pong\n")
    assert [action.ref for action in read_pack(pack.path).actions] == ["demo.ping"]


def test_an_action_linked_workflow_gets_a_companion_workflow_action(make_pack_dir):
    spec = read_pack(make_pack_dir("demo").action_workflow("deploy").path)
    (action,) = spec.actions
    assert (action.ref, action.fields["runner_type"], action.fields["workflow_ref"]) == (
        "demo.deploy",
        "workflow",
        "demo.deploy",
    )
    assert action.fields["parameters"] == {"host": {"type": "string", "required": True}}
    assert action.fields["source_path"] == "actions/deploy.yaml"
    assert action.fields["entry_point"] == "actions/workflows/deploy.workflow.yaml"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "ref: demo.x\nrunner_type: perl\nentry_point: x.py\n",
            "actions/x.yaml:2:14: runner_type: 'perl'; must be one of: python, shell, builtin",
        ),
        (
            "ref: demo.x\nentry_point: x.py\n",
            "actions/x.yaml:1:1: runner_type: missing; must be one of: python, shell, builtin",
        ),
        (
            "ref: demo.x\nrunner_type: workflow\nentry_point: x.py\n",
            "actions/x.yaml:2:14: runner_type: 'workflow'; must be one of",
        ),
        (
            "ref: demo.x\nrunner_type: python\n",
            "actions/x.yaml:2:14: entry_point: a python or shell action needs the script's path",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: /usr/bin/x.py\n",
            "actions/x.yaml:3:14: entry_point: '/usr/bin/x.py' must be a relative path inside",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: ../pack.yaml\n",
            "actions/x.yaml:3:14: entry_point: '../pack.yaml' must be a relative path inside",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: missing.py\n",
            "actions/x.yaml:3:14: entry_point: 'actions/missing.py' does not exist in the pack",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: lib\n",
            "actions/x.yaml:3:14: entry_point: 'actions/lib' is not a regular file in the pack",
        ),
        (
            "ref: demo.x\nrunner_type: builtin\nentry_point: echo\n",
            "actions/x.yaml:3:14: runner_type: 'builtin' is reserved for the core pack's actions",
        ),
        (
            "ref: other.x\nrunner_type: python\nentry_point: x.py\n",
            "actions/x.yaml:1:6: ref 'other.x' belongs to another pack",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: x.py\ntimeout: 0\n",
            "actions/x.yaml:4:10: timeout: must be a whole number of seconds, from 1 to 2147483647",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: x.py\nparameter_format: xml\n",
            "actions/x.yaml:4:19: parameter_format: 'xml'; must be one of: json, dotenv, yaml",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: x.py\nparameters: {a: string}\n",
            "actions/x.yaml:4:13: parameters: 'a': must be an object",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: x.py\nenabled: 'no'\n",
            "actions/x.yaml:4:10: enabled: must be true or false",
        ),
        (
            "ref: demo.x\nrunner_type: python\nentry_point: x.py\nrunner: python\n",
            "actions/x.yaml:4:9: unknown key 'runner' (allowed:",
        ),
    ],
)
def test_each_problem_of_an_action_file_is_located(make_pack_dir, text, expected):
    pack = make_pack_dir("demo")
    pack.write("actions/x.yaml", text)
    pack.write("actions/x.py", "print()\n")
    (pack.path / "actions/lib").mkdir()
    problems = problems_of(pack.path)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_an_entry_point_symlink_is_refused_even_inside_the_pack(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/x.yaml", "ref: demo.x\nrunner_type: python\nentry_point: link.py\n")
    pack.write("actions/real.py", "print()\n")
    os.symlink("real.py", pack.path / "actions/link.py")
    problems = problems_of(pack.path)
    assert "actions/link.py: symlinks are not allowed in a pack" in problems
    assert "actions/x.yaml:3:14: entry_point: 'actions/link.py' is not a regular file in the pack" in problems


def test_every_broken_action_is_reported_at_once(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/a.yaml", "ref: demo.a\nrunner_type: python\nentry_point: a.py\n")
    pack.write("actions/b.yaml", "ref: demo.b\nrunner_type: shell\nentry_point: b.sh\n")
    problems = problems_of(pack.path)
    assert [p.split(":")[0] for p in problems] == ["actions/a.yaml", "actions/b.yaml"]


def test_a_runner_action_and_a_workflow_action_of_one_ref_are_reported(make_pack_dir):
    pack = make_pack_dir("demo").action_workflow("deploy")
    pack.write("actions/deploy_again.yaml", "ref: demo.deploy\nrunner_type: shell\nentry_point: d.sh\n")
    pack.write("actions/d.sh", "echo\n")
    problems = problems_of(pack.path)
    assert problems == [
        "actions/deploy_again.yaml:1:6: action ref 'demo.deploy' is also defined by actions/deploy.yaml:1"
    ]


def test_attune_only_keys_of_a_runner_action_are_noted_not_refused(probe_pack):
    probe_pack.write(
        "actions/probe.yaml",
        PROBE + "default_execution_permission_set_refs: [core.agent_reader]\nreference_visibility: public\n",
    )
    notes = read_pack(probe_pack.path).notes
    assert any(
        note.startswith("actions/probe.yaml:17: default_execution_permission_set_refs: kept")
        for note in notes
    ), notes


def test_a_file_stem_that_is_no_valid_name_is_reported_as_the_ref(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/two.words.yaml", "runner_type: shell\nentry_point: x.sh\n")
    pack.write("actions/x.sh", "echo\n")
    problems = problems_of(pack.path)
    assert len(problems) == 1 and problems[0].startswith("actions/two.words.yaml:1:1: ref: "), problems


def test_parameters_that_are_not_a_schema_are_refused_not_emptied(make_pack_dir):
    pack = make_pack_dir("demo")
    pack.write("actions/x.yaml", "ref: demo.x\nrunner_type: shell\nentry_point: x.sh\nparameters: []\n")
    pack.write("actions/x.sh", "echo\n")
    assert any(p.startswith("actions/x.yaml:4:13: parameters: ") for p in problems_of(pack.path))
