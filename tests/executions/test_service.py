"""The one implementation of starting a run: parameters, redaction, refusals."""

import pytest

from executions import service
from executions.models import Execution, Status
from executions.parameters import ParametersInvalid, resolve_parameters
from executions.redaction import REDACTED, mask, redact, secret_values


class TestResolveParameters:
    def test_defaults_fill_missing_and_null_values(self):
        schema = {"a": {"type": "string", "default": "x"}, "b": {"type": "integer", "default": 2}}
        assert resolve_parameters(schema, {"b": None}) == {"a": "x", "b": 2}

    def test_given_values_win_over_defaults(self):
        assert resolve_parameters({"a": {"type": "string", "default": "x"}}, {"a": "y"}) == {"a": "y"}

    def test_a_mutable_default_is_copied(self):
        schema = {"items": {"type": "array", "default": []}}
        resolve_parameters(schema, {})["items"].append(1)
        assert schema["items"]["default"] == []

    def test_json_schema_form(self):
        schema = {"type": "object", "properties": {"n": {"type": "integer", "default": 3}}, "required": ["n"]}
        assert resolve_parameters(schema, None) == {"n": 3}

    def test_errors_name_the_parameter(self):
        schema = {"n": {"type": "integer", "required": True}, "s": {"type": "string"}}
        with pytest.raises(ParametersInvalid) as caught:
            resolve_parameters(schema, {"s": 1})
        assert set(caught.value.errors) == {"n", "s"}

    def test_nested_errors_are_dotted(self):
        schema = {"opts": {"type": "object", "properties": {"depth": {"type": "integer"}}}}
        with pytest.raises(ParametersInvalid) as caught:
            resolve_parameters(schema, {"opts": {"depth": "deep"}})
        assert set(caught.value.errors) == {"opts.depth"}

    def test_errors_never_repeat_a_secret_value(self):
        schema = {"token": {"type": "string", "secret": True, "minLength": 20}, "n": {"type": "integer"}}
        with pytest.raises(ParametersInvalid) as caught:
            resolve_parameters(schema, {"token": "short-s3cret", "n": "seven"})
        assert "short-s3cret" not in str(caught.value.errors) and "'seven'" in str(caught.value.errors)
        assert "minLength" in caught.value.errors["token"][0]

    def test_an_empty_schema_takes_anything(self):
        assert resolve_parameters({}, {"free": [1]}) == {"free": [1]}

    def test_parameters_must_be_an_object(self):
        with pytest.raises(ParametersInvalid):
            resolve_parameters({}, ["a"])


class TestRedaction:
    def test_secret_values_are_replaced(self):
        schema = {"user": {"type": "string"}, "password": {"type": "string", "secret": True}}
        assert redact(schema, {"user": "u", "password": "p4ss"}) == {"user": "u", "password": REDACTED}

    def test_a_secret_repeated_in_another_parameter_is_masked(self):
        schema = {"note": {"type": "string"}, "key": {"type": "string", "secret": True}}
        assert redact(schema, {"note": "use k-123", "key": "k-123"}) == {
            "note": f"use {REDACTED}",
            "key": REDACTED,
        }

    def test_masking_reaches_nested_strings_and_keys(self):
        value = {"k-1": ["a k-1", {"x": "k-1"}], "n": 5}
        assert mask(value, ["k-1"]) == {REDACTED: [f"a {REDACTED}", {"x": REDACTED}], "n": 5}

    def test_only_redacted_parameters_count_as_secret(self):
        assert secret_values({"a": REDACTED, "b": "plain"}, {"a": "s1", "b": "plain"}) == ["s1"]


@pytest.fixture
def noop(make_action):
    return make_action("demo.noop", parameters={"n": {"type": "integer", "default": 1}})


def test_start_creates_a_scheduled_run_with_resolved_parameters(noop):
    execution = service.start_execution(noop, {}, timeout_seconds=9, max_retries=2)
    execution.refresh_from_db()
    assert (execution.status, execution.input, execution.config) == (Status.SCHEDULED, {"n": 1}, {"n": 1})
    assert (execution.timeout_seconds, execution.max_retries, execution.queue) == (9, 2, "attune.run")


def test_the_default_timeout_is_snapshotted(noop, settings):
    settings.ATTUNE_DEFAULT_ACTION_TIMEOUT = 77
    assert service.start_execution(noop, {}).timeout_seconds == 77


def test_a_pack_worker_selector_picks_the_queue(noop):
    noop.pack.worker_selector = {"zone": "b", "gpu": "yes"}
    noop.pack.save()
    assert service.start_execution(noop, {}).queue == "attune.sel.gpu=yes,zone=b"


@pytest.mark.parametrize(
    "options, field",
    [
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": True}, "timeout_seconds"),
        ({"max_retries": 11}, "max_retries"),
        ({"env_vars": {"LD_AUDIT": "x"}}, "env_vars.LD_AUDIT"),
        ({"env_vars": {"BASH_FUNC_x%%": "() { id; }"}}, "env_vars.BASH_FUNC_x%%"),
        ({"env_vars": {"OK": "a\x00b"}}, "env_vars.OK"),
        ({"env_vars": {f"V{n}": "x" for n in range(101)}}, "env_vars"),
    ],
)
def test_refused_options_create_nothing(noop, options, field):
    with pytest.raises(service.ExecutionInvalid) as caught:
        service.start_execution(noop, {}, **options)
    assert field in caught.value.errors
    assert not Execution.objects.exists()


def test_unstorable_parameters_are_refused(noop):
    with pytest.raises(service.ExecutionInvalid) as caught:
        service.start_execution(noop, {"n": 1, "s": "a\x00"})
    assert "parameters" in caught.value.errors


def test_an_unknown_ref_is_not_found(db):
    with pytest.raises(service.ActionNotFound):
        service.start_by_ref("demo.none", {})


def test_core_local_without_a_user_is_refused(make_action):
    action = make_action("core.local", entry_point="local")
    with pytest.raises(service.NotPermitted, match="no user"):
        service.start_execution(action, {})


def test_core_local_for_a_superuser(make_action, make_user, django_capture_on_commit_callbacks):
    action = make_action("core.local", entry_point="local")
    with django_capture_on_commit_callbacks(execute=True):
        execution = service.start_execution(
            action, {"cmd": "true"}, executor=make_user("root", superuser=True)
        )
    execution.refresh_from_db()
    assert (execution.status, execution.result["exit_code"]) == ("completed", 0)


def test_any_packs_builtin_local_needs_the_permission(make_action):
    with pytest.raises(service.NotPermitted):
        service.start_execution(make_action("demo.local", entry_point="local"), {})


def test_a_script_named_local_outside_the_core_pack_needs_no_permission(make_action):
    action = make_action("demo.script", entry_point="local", runner_type="python")
    assert service.start_execution(action, {}).id
