"""Secret values are masked in everything a run returns; resolve_parameters on its own."""

import logging

import pytest

from executions.runners.secrets import MASK, mask, secret_values
from tests.executions.runner_helpers import make_action, make_pack_dir, run, script_action

pytestmark = pytest.mark.django_db

SECRET_SCHEMA = {"token": {"type": "string", "secret": True}, "name": {"type": "string"}}


def test_secret_parameters_are_masked_in_stdout_stderr_error_and_data(tmp_path):
    script = (
        'read -r line; echo "token is s3cr3t-value"; echo "{\\"echo\\": \\"s3cr3t-value\\"}";'
        ' echo "bad s3cr3t-value" >&2; exit 1\n'
    )
    action = script_action(tmp_path, "leak", script, parameters=SECRET_SCHEMA, output_format="json")
    result = run(action, {"token": "s3cr3t-value", "name": "s3cr"})
    assert "s3cr3t-value" not in repr(result)
    assert result["stdout"] == f'token is {MASK}\n{{"echo": "{MASK}"}}\n'
    assert result["stderr"] == f"bad {MASK}\n"
    assert result["error"] == f"bad {MASK}"
    assert result["data"] == {"echo": MASK} and result["echo"] == MASK


def test_a_value_of_a_parameter_not_marked_secret_is_not_masked(tmp_path):
    action = script_action(tmp_path, "show", 'echo "plain"\n', parameters=SECRET_SCHEMA)
    assert run(action, {"token": "x-y-z", "name": "plain"})["stdout"] == "plain\n"


def test_pack_config_secrets_are_masked(tmp_path):
    pack = make_pack_dir(
        tmp_path,
        "cfg",
        conf_schema={"api_key": {"type": "string", "secret": True}, "region": {"type": "string"}},
        config={"api_key": "AKIA-REAL-KEY", "region": "eu"},
    )
    action = script_action(tmp_path, "show", "echo AKIA-REAL-KEY in eu\n", pack=pack)
    assert run(action)["stdout"] == f"{MASK} in eu\n"


def test_json_schema_write_only_parameters_are_secret(tmp_path):
    schema = {"type": "object", "properties": {"pw": {"type": "string", "writeOnly": True}}}
    action = script_action(tmp_path, "show", "cat\n", parameters=schema)
    assert run(action, {"pw": "hunter2"})["stdout"] == f'{{"pw":"{MASK}"}}\n'


def test_a_secret_default_is_masked_too(tmp_path):
    schema = {"token": {"type": "string", "secret": True, "default": "default-secret"}}
    action = script_action(tmp_path, "show", "cat\n", parameters=schema)
    assert run(action)["stdout"] == f'{{"token":"{MASK}"}}\n'


def test_core_log_masks_secrets_in_the_log_line(make_pack, caplog):
    pack = make_pack("vault", conf_schema={"pw": {"type": "string", "secret": True}}, config={"pw": "p4ss"})
    action = make_action(pack, "log", "builtin", "log", parameters={"message": {"type": "string"}})
    with caplog.at_level(logging.INFO, logger="attune.actions"):
        result = run(action, {"message": "connecting with p4ss"})
    assert result["succeeded"] is True
    assert [r.getMessage() for r in caplog.records] == [f"connecting with {MASK} (execution 7)"]


def test_secret_values_lists_longest_first_and_skips_empty(make_pack):
    pack = make_pack("vault", conf_schema={"a": {"type": "string", "secret": True}}, config={"a": "abc"})
    action = make_action(
        pack, "x", "builtin", "noop", parameters={"t": {"type": "string", "secret": True}, "n": {}}
    )
    assert secret_values(action, {"t": "abcdef", "n": "public"}) == ["abcdef", "abc"]
    assert secret_values(action, {"t": ""}) == ["abc"]


def test_mask_reaches_nested_values_and_keys_but_not_numbers():
    value = {"k-tok": ["tok", {"x": "a tok b"}], "n": 5}
    assert mask(value, ["tok"]) == {f"k-{MASK}": [MASK, {"x": f"a {MASK} b"}], "n": 5}


def test_non_string_secrets_are_masked_by_their_json_text(make_pack):
    action = make_action(
        make_pack("vault"), "x", "builtin", "noop", parameters={"pin": {"type": "integer", "secret": True}}
    )
    assert secret_values(action, {"pin": 4242}) == ["4242"]
