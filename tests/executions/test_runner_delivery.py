"""Parameters as the child process really receives them: defaults, validation, delivery."""

import json
import stat
from pathlib import Path

import pytest
import yaml

from tests.executions.runner_helpers import run, script_action

pytestmark = pytest.mark.django_db

DUMP_STDIN = "cat\n"
DUMP_FILE = 'cat "$ATTUNE_PARAMETER_FILE"\n'
SCHEMA = {
    "message": {"type": "string", "required": True},
    "count": {"type": "integer", "default": 3},
    "tags": {"type": "array", "default": ["a"]},
}


def test_json_on_stdin_is_one_compact_line_with_defaults_applied(tmp_path):
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameters=SCHEMA)
    result = run(action, {"message": "hi"})
    assert result["succeeded"] is True, result
    assert result["stdout"] == '{"message":"hi","count":3,"tags":["a"]}\n'


def test_a_null_value_gets_the_default_too(tmp_path):
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameters=SCHEMA)
    result = run(action, {"message": "hi", "count": None})
    assert json.loads(result["stdout"])["count"] == 3


def test_a_given_value_wins_over_the_default(tmp_path):
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameters=SCHEMA)
    assert json.loads(run(action, {"message": "hi", "count": 9})["stdout"])["count"] == 9


def test_invalid_parameters_fail_the_run_and_nothing_executes(tmp_path):
    marker = tmp_path / "ran"
    action = script_action(tmp_path, "touch", f"touch {marker}\n", parameters=SCHEMA)
    result = run(action, {"count": "many"})
    assert result["succeeded"] is False
    assert result["exit_code"] is None
    assert set(result["parameter_errors"]) == {"message", "count"}
    assert result["parameter_errors"]["message"] == ["This parameter is required."]
    assert result["error"].startswith("invalid parameters: ")
    assert not marker.exists()


def test_json_schema_parameters_are_validated_the_same_way(tmp_path):
    schema = {
        "type": "object",
        "properties": {"level": {"type": "string", "enum": ["a", "b"], "default": "a"}},
        "additionalProperties": False,
    }
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameters=schema)
    assert json.loads(run(action, {})["stdout"]) == {"level": "a"}
    refused = run(action, {"level": "z", "extra": 1})
    assert set(refused["parameter_errors"]) == {"level", "extra"}


def test_dotenv_format_escapes_strings_and_writes_other_values_as_json(tmp_path):
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameter_format="dotenv")
    result = run(action, {"text": 'say "hi"\\now\nnext', "n": 2, "flag": True, "obj": {"k": [1, None]}})
    assert result["stdout"].splitlines() == [
        'text="say \\"hi\\"\\\\now\\nnext"',
        "n=2",
        "flag=true",
        'obj={"k":[1,null]}',
    ]


def test_yaml_format_is_a_yaml_document(tmp_path):
    action = script_action(tmp_path, "dump", DUMP_STDIN, parameter_format="yaml")
    params = {"message": "multi\nline", "items": [1, 2], "nested": {"a": None}}
    assert yaml.safe_load(run(action, params)["stdout"]) == params


@pytest.mark.parametrize(
    ("parameter_format", "suffix"), [("json", ".json"), ("dotenv", ".env"), ("yaml", ".yaml")]
)
def test_file_delivery_writes_a_0600_file_named_by_the_environment(tmp_path, parameter_format, suffix):
    script = (
        'stat -c %a "$ATTUNE_PARAMETER_FILE"; basename "$ATTUNE_PARAMETER_FILE";'
        ' echo "$ATTUNE_PARAMETER_DELIVERY $ATTUNE_PARAMETER_FORMAT"; cat "$ATTUNE_PARAMETER_FILE"\n'
    )
    action = script_action(
        tmp_path, "dumpfile", script, parameter_delivery="file", parameter_format=parameter_format
    )
    result = run(action, {"message": "hi"})
    lines = result["stdout"].splitlines()
    assert lines[0] == oct(stat.S_IRUSR | stat.S_IWUSR)[2:]
    assert lines[1] == f"parameters{suffix}"
    assert lines[2] == f"file {parameter_format}"
    assert "hi" in "\n".join(lines[3:])


def test_file_delivery_sends_nothing_on_stdin(tmp_path):
    action = script_action(tmp_path, "stdin", "cat; echo end\n", parameter_delivery="file")
    assert run(action, {"message": "hi"})["stdout"] == "end\n"


def test_stdin_delivery_sets_the_delivery_names_and_no_parameter_file(tmp_path):
    script = 'echo "$ATTUNE_PARAMETER_DELIVERY $ATTUNE_PARAMETER_FORMAT ${ATTUNE_PARAMETER_FILE:-none}"\n'
    action = script_action(tmp_path, "names", script)
    assert run(action)["stdout"] == "stdin json none\n"


def test_the_parameter_file_is_gone_after_the_run(tmp_path):
    action = script_action(
        tmp_path, "path", 'echo "$ATTUNE_PARAMETER_FILE"; pwd\n', parameter_delivery="file"
    )
    parameter_file, run_dir = run(action)["stdout"].splitlines()
    assert parameter_file.startswith(run_dir + "/")
    assert not Path(run_dir).exists()


@pytest.mark.usefixtures("envs_dir")
def test_python_action_reads_its_parameters_from_stdin(tmp_path):
    script = """
        import json, sys
        params = json.loads(sys.stdin.readline())
        print(json.dumps({"greeting": "hello " + params["name"], "eof": sys.stdin.read() == ""}))
    """
    action = script_action(tmp_path, "greet", script, runner_type="python", output_format="json")
    result = run(action, {"name": "ada"})
    assert result["succeeded"] is True, result
    assert result["data"] == {"greeting": "hello ada", "eof": True}
    assert result["greeting"] == "hello ada"
