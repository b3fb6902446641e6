"""POST /api/v1/executions/execute: validation, permissions, redaction, the run itself."""

import pytest

from executions.models import Execution
from tests.conftest import assert_error, client_for
from tests.executions.conftest import SECRET_SCHEMA

URL = "/api/v1/executions/execute"
RESPONSE_FIELDS = {
    "id", "action", "action_ref", "config", "parent", "enforcement", "executor", "worker", "worker_name",
    "status", "result", "timeout_seconds", "original_execution", "started_at", "workflow_task", "created", "updated",
}  # fmt: skip


# The inline transport runs a run when its transaction commits: tests that need the run to
# happen use `transactional_db`, so the request's transaction really commits.


def test_it_runs_an_action_and_answers_the_finished_execution(transactional_db, api_client, make_action):
    action = make_action("demo.echo", parameters={"message": {"type": "string"}})
    response = api_client.post(
        URL, {"action_ref": "demo.echo", "parameters": {"message": "hello"}}, format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == RESPONSE_FIELDS
    assert (data["action"], data["action_ref"], data["status"]) == (action.id, "demo.echo", "completed")
    assert data["config"] == {"message": "hello"}
    assert data["result"]["stdout"] == "hello" and data["result"]["succeeded"] is True
    assert (data["enforcement"], data["worker"], data["parent"]) == (None, None, None)
    execution = Execution.objects.get()
    assert execution.executor.username == "root" and data["executor"] == execution.executor_id
    assert execution.worker and data["worker_name"] == execution.worker


def test_a_failing_action_is_a_created_execution_that_failed(transactional_db, api_client, make_action):
    make_action("demo.fail")
    response = api_client.post(
        URL, {"action_ref": "demo.fail", "parameters": {"message": "boom"}}, format="json"
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["status"] == "failed" and data["result"]["error"] == "boom"


def test_schema_defaults_are_applied_and_stored(transactional_db, api_client, make_action):
    make_action("demo.echo", parameters={"message": {"type": "string", "default": "from default"}})
    response = api_client.post(URL, {"action_ref": "demo.echo"}, format="json")
    assert response.json()["data"]["config"] == {"message": "from default"}
    assert response.json()["data"]["result"]["stdout"] == "from default"


def test_secret_parameters_are_redacted_everywhere_but_the_action(transactional_db, api_client, make_action):
    make_action("demo.echo", parameters=SECRET_SCHEMA)
    body = {
        "action_ref": "demo.echo",
        "parameters": {"message": "key is s3cr3t-value", "token": "s3cr3t-value"},
    }
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201
    assert b"s3cr3t-value" not in response.content
    data = response.json()["data"]
    assert data["config"] == {
        "message": "key is s3cr3t-value".replace("s3cr3t-value", "********"),
        "token": "********",
    }
    assert data["result"]["stdout"] == "key is ********"
    execution = Execution.objects.get()
    assert execution.config["token"] == "********"
    assert execution.input == body["parameters"]  # the real values, for the runner
    assert execution.result["stdout"] == "key is ********"  # the runner masks before the result is stored


def test_json_schema_write_only_parameters_are_secret(api_client, make_action):
    schema = {"type": "object", "properties": {"password": {"type": "string", "writeOnly": True}}}
    make_action("demo.noop", parameters=schema)
    response = api_client.post(
        URL, {"action_ref": "demo.noop", "parameters": {"password": "pw1234"}}, format="json"
    )
    assert response.json()["data"]["config"] == {"password": "********"}


@pytest.mark.parametrize(
    "parameters, field",
    [
        ({"message": 5}, "parameters.message"),
        ({}, "parameters.count"),
        ({"message": "x", "count": "three"}, "parameters.count"),
    ],
)
def test_invalid_parameters_are_a_400_per_field_and_create_nothing(
    api_client, make_action, parameters, field
):
    schema = {"message": {"type": "string", "default": "d"}, "count": {"type": "integer", "required": True}}
    make_action("demo.echo", parameters=schema)
    response = api_client.post(URL, {"action_ref": "demo.echo", "parameters": parameters}, format="json")
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert field in body["details"], body
    assert not Execution.objects.exists()


def test_unknown_parameters_are_refused_when_the_schema_closes_them(api_client, make_action):
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    make_action("demo.noop", parameters=schema)
    response = api_client.post(URL, {"action_ref": "demo.noop", "parameters": {"b": "x"}}, format="json")
    assert "parameters.b" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_an_unknown_action_is_a_404(api_client, db):
    body = assert_error(api_client.post(URL, {"action_ref": "demo.nope"}, format="json"), 404, "NOT_FOUND")
    assert "demo.nope" in body["error"]
    assert not Execution.objects.exists()


def test_a_disabled_action_is_a_400_and_creates_nothing(api_client, make_action):
    make_action("demo.echo", enabled=False)
    body = assert_error(api_client.post(URL, {"action_ref": "demo.echo"}, format="json"), 400, "BAD_REQUEST")
    assert "disabled" in body["error"]
    assert not Execution.objects.exists()


def test_running_needs_the_add_permission(make_user, make_action):
    make_action("demo.noop")
    client = client_for(make_user("reader"))
    assert_error(client.post(URL, {"action_ref": "demo.noop"}, format="json"), 403, "FORBIDDEN")
    assert not Execution.objects.exists()


def test_a_user_with_the_add_permission_may_run(make_user, make_action):
    make_action("demo.noop")
    client = client_for(make_user("runner", perms=["executions.add_execution"]))
    assert client.post(URL, {"action_ref": "demo.noop"}, format="json").status_code == 201


def test_anonymous_callers_are_refused(anon_client, make_action):
    make_action("demo.noop")
    assert_error(anon_client.post(URL, {"action_ref": "demo.noop"}, format="json"), 401, "UNAUTHORIZED")


@pytest.fixture
def local_action(make_action):
    # As the core pack declares it; the builtin runner may not know `local`: only the
    # permission decision is under test here.
    return make_action("core.local", entry_point="local", parameters={"cmd": {"type": "string"}})


def test_core_local_needs_the_run_local_command_permission(make_user, local_action):
    client = client_for(make_user("runner", perms=["executions.add_execution"]))
    body = assert_error(
        client.post(URL, {"action_ref": "core.local", "parameters": {"cmd": "id"}}, format="json"),
        403,
        "FORBIDDEN",
    )
    assert "executions.run_local_command" in body["error"]
    assert not Execution.objects.exists()


def test_core_local_runs_for_a_user_with_the_permission(make_user, local_action):
    perms = ["executions.add_execution", "executions.run_local_command"]
    client = client_for(make_user("ops", perms=perms))
    response = client.post(URL, {"action_ref": "core.local", "parameters": {"cmd": "true"}}, format="json")
    assert response.status_code == 201
    assert Execution.objects.get().action_ref == "core.local"


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "PYTHONHOME",
        "HOME",
        "ATTUNE_EXEC_ID",
        "attune_x",
        "1BAD",
        "A-B",
        "",
    ],
)
def test_dangerous_or_invalid_env_var_names_are_refused(api_client, make_action, name):
    make_action("demo.noop")
    response = api_client.post(URL, {"action_ref": "demo.noop", "env_vars": {name: "x"}}, format="json")
    assert f"env_vars.{name}" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert not Execution.objects.exists()


def test_env_var_values_must_be_strings(api_client, make_action):
    make_action("demo.noop")
    response = api_client.post(URL, {"action_ref": "demo.noop", "env_vars": {"DEBUG": 1}}, format="json")
    assert "env_vars.DEBUG" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_allowed_env_vars_are_kept_for_the_runner_and_never_shown(api_client, make_action):
    make_action("demo.noop")
    body = {"action_ref": "demo.noop", "env_vars": {"DEBUG": "true", "LOG_LEVEL": "info"}}
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 201
    assert "env_vars" not in response.json()["data"] and b"LOG_LEVEL" not in response.content
    assert Execution.objects.get().env_vars == {"DEBUG": "true", "LOG_LEVEL": "info"}


@pytest.mark.parametrize("timeout", [0, -1, 10**9, "soon", 1.5])
def test_a_bad_timeout_is_refused(api_client, make_action, timeout):
    make_action("demo.noop")
    response = api_client.post(URL, {"action_ref": "demo.noop", "timeout_seconds": timeout}, format="json")
    assert "timeout_seconds" in assert_error(response, 400, "VALIDATION_ERROR")["details"]


def test_the_timeout_is_the_callers_else_the_actions(api_client, make_action):
    make_action("demo.noop", timeout=30)
    first = api_client.post(URL, {"action_ref": "demo.noop", "timeout_seconds": 5}, format="json").json()[
        "data"
    ]
    second = api_client.post(URL, {"action_ref": "demo.noop", "timeout_seconds": None}, format="json").json()[
        "data"
    ]
    assert (first["timeout_seconds"], second["timeout_seconds"]) == (5, 30)


@pytest.mark.parametrize("retries, status", [(3, 201), (0, 201), (11, 400), (-1, 400)])
def test_max_retries_is_an_optional_extension_up_to_ten(api_client, make_action, retries, status):
    make_action("demo.noop")
    response = api_client.post(URL, {"action_ref": "demo.noop", "max_retries": retries}, format="json")
    assert response.status_code == status, response.content
    if status == 201:
        assert Execution.objects.get().max_retries == retries


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "action_ref"),
        ({"action_ref": 5}, "action_ref"),
        ({"action_ref": "demo.noop", "parameters": [1]}, "parameters"),
        ({"action_ref": "demo.noop", "env_vars": "A=1"}, "env_vars"),
        ({"action_ref": "demo.noop", "worker_selector": {}}, "worker_selector"),
    ],
)
def test_malformed_bodies_are_a_400_per_field(api_client, make_action, body, field):
    make_action("demo.noop")
    response = api_client.post(URL, body, format="json")
    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert not Execution.objects.exists()


def test_the_sdk_shape_with_null_optionals_is_accepted(api_client, make_action):
    make_action("demo.noop")
    body = {"action_ref": "demo.noop", "parameters": {}, "env_vars": {}, "timeout_seconds": None}
    assert api_client.post(URL, body, format="json").status_code == 201


def test_an_invalid_secret_is_not_repeated_in_the_error(api_client, make_action):
    make_action("demo.echo", parameters={"token": {"type": "string", "secret": True, "pattern": "^xoxb-"}})
    response = api_client.post(
        URL, {"action_ref": "demo.echo", "parameters": {"token": "hunter2"}}, format="json"
    )
    assert "parameters.token" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert b"hunter2" not in response.content


def test_no_log_line_carries_a_secret(transactional_db, api_client, make_action, caplog):
    make_action("demo.echo", parameters=SECRET_SCHEMA)
    make_action("demo.fail", parameters=SECRET_SCHEMA)
    caplog.set_level("DEBUG")
    for ref in ("demo.echo", "demo.fail"):
        body = {"action_ref": ref, "parameters": {"message": "with pw-77", "token": "pw-77"}}
        assert api_client.post(URL, body, format="json").status_code == 201
    api_client.post(URL, {"action_ref": "demo.echo", "parameters": {"token": 77}}, format="json")
    assert caplog.records  # the requests were logged at all
    assert "pw-77" not in caplog.text
