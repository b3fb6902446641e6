"""Attune's own Python client (attune-sdk) against this server: one case per SDK operation.

Run by the contract tests with the SDK's virtualenv, never imported by the project:

    $ATTUNE_SDK_VENV/bin/python -I tests/contract/sdk_cases.py serve
    $ATTUNE_SDK_VENV/bin/python -I tests/contract/sdk_cases.py <case> '<json arguments>'

`-I` keeps this project's own `attune` package off sys.path, so `attune` is the SDK.
`serve` answers one JSON line `{"result"}` or `{"error": <traceback>}` per request line
`{"case", "arguments", "url", "token"}`, so a test run pays the SDK's import (about a second)
once. The one-shot form reads ATTUNE_URL and ATTUNE_TOKEN, for trying a case by hand.

Each case calls one typed SDK function, lets the SDK parse the answer into its models and
checks them, and returns the values the pytest side compares with the database. A case fails
when the status is not the expected one, when the SDK cannot parse the answer (a field it
requires is missing: `from_dict` raises KeyError), when a parsed value does not have the type
the model declares (the SDK does not check that itself), or when an assertion fails.

A new SDK operation gets a function decorated with `@case`; its pytest twin calls it by name.
"""

import base64
import datetime
import enum
import io
import json
import os
import sys
import traceback
import types
import typing

import attrs
from attune.api_client import AuthenticatedClient, Client, models
from attune.api_client.api.auth import get_current_user, login, refresh_token, update_current_user
from attune.api_client.api.executions import (
    cancel_execution,
    create_execution,
    get_execution,
    list_executions,
)
from attune.api_client.api.packs import (
    create_pack,
    delete_pack,
    get_pack,
    list_packs,
    register_pack,
    sync_pack_workflows,
    update_pack,
    upload_pack,
    validate_pack_workflows,
)
from attune.api_client.api.workflows import (
    create_workflow,
    delete_workflow,
    get_workflow,
    list_workflows,
    list_workflows_by_pack,
    update_workflow,
)
from attune.api_client.types import UNSET, File, Unset

CASES = {}
SERVER = {"url": os.environ.get("ATTUNE_URL", ""), "token": os.environ.get("ATTUNE_TOKEN", "")}


def case(function):
    CASES[function.__name__] = function
    return function


# --- the SDK's models, checked against their own annotations ---------------------------


def check_model(model, path="body"):
    """Every field of an attrs model (recursively) holds a value of its annotated type."""
    module = sys.modules[type(model).__module__]
    # The models name each other under TYPE_CHECKING only: the package namespace resolves them.
    hints = typing.get_type_hints(type(model), {**vars(models), **vars(module)})
    for field in attrs.fields(type(model)):
        if field.name != "additional_properties":
            check_value(getattr(model, field.name), hints[field.name], f"{path}.{field.name}")


def check_value(value, annotation, path):
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        problems = []
        for option in typing.get_args(annotation):
            try:
                return check_value(value, option, path)
            except TypeError as exc:
                problems.append(str(exc))
        raise TypeError(f"{path}: {value!r} matches none of {annotation}: {problems}")
    if annotation is typing.Any:
        return None
    if origin is list:
        expect(isinstance(value, list), value, annotation, path)
        for index, item in enumerate(value):
            check_value(item, typing.get_args(annotation)[0], f"{path}[{index}]")
        return None
    if origin is dict:
        return expect(isinstance(value, dict), value, annotation, path)
    if annotation is type(None):
        return expect(value is None, value, annotation, path)
    if annotation is Unset:
        return expect(isinstance(value, Unset), value, annotation, path)
    if annotation is bool:
        return expect(isinstance(value, bool), value, annotation, path)
    if annotation is int:
        return expect(isinstance(value, int) and not isinstance(value, bool), value, annotation, path)
    if annotation is float:
        return expect(isinstance(value, int | float) and not isinstance(value, bool), value, annotation, path)
    if annotation in (str, datetime.datetime, datetime.date) or issubclass(annotation, enum.Enum):
        return expect(isinstance(value, annotation), value, annotation, path)
    if attrs.has(annotation):
        expect(isinstance(value, annotation), value, annotation, path)
        return check_model(value, path)
    raise TypeError(f"{path}: no check for the annotation {annotation}")


def expect(ok, value, annotation, path):
    if not ok:
        raise TypeError(f"{path}: {value!r} is not a {annotation}")


def parsed(response, status, model):
    """The SDK's parsed answer, after checking the status and every value's type."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert isinstance(response.parsed, model), (type(response.parsed), response.content[:2000])
    check_model(response.parsed)
    return response.parsed


def client():
    return AuthenticatedClient(base_url=SERVER["url"], token=SERVER["token"], raise_on_unexpected_status=True)


def anonymous_client():
    return Client(base_url=SERVER["url"], raise_on_unexpected_status=True)


def summary(model, *names):
    return {name: jsonable(getattr(model, name)) for name in names}


def jsonable(value):
    if isinstance(value, Unset):
        return "<unset>"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


# --- auth -----------------------------------------------------------------------------


@case
def login_with_password(args):
    anonymous = anonymous_client()
    body = models.LoginRequest(login=args["login"], password=args["password"])
    data = parsed(login.sync_detailed(client=anonymous, body=body), 200, models.LoginResponse200).data
    assert data.token_type == "Bearer" and data.expires_in > 0
    assert isinstance(data.user, models.UserInfo), data.user
    return {"user": data.user.to_dict(), "access_token": data.access_token}


@case
def refresh_tokens(args):
    anonymous = anonymous_client()
    body = models.RefreshTokenRequest(refresh_token=args["refresh_token"])
    answer = refresh_token.sync_detailed(client=anonymous, body=body)
    data = parsed(answer, 200, models.RefreshTokenResponse200).data
    assert data.refresh_token != args["refresh_token"]
    return {"access_token": data.access_token, "refresh_token": data.refresh_token}


def current_user_summary(data):
    return {
        **summary(data, "id", "login", "display_name", "auth_provider", "is_local", "can_change_password"),
        "assigned_permission_set_refs": data.assigned_permission_set_refs,
        "effective_permissions": {p.resource: p.actions for p in data.effective_permissions},
    }


@case
def get_me(args):
    answer = get_current_user.sync_detailed(client=client())
    return current_user_summary(parsed(answer, 200, models.GetCurrentUserResponse200).data)


@case
def update_me(args):
    body = models.UpdateCurrentUserRequest(display_name=args["display_name"])
    answer = update_current_user.sync_detailed(client=client(), body=body)
    return current_user_summary(parsed(answer, 200, models.UpdateCurrentUserResponse200).data)


# --- packs ----------------------------------------------------------------------------

PACK_FIELDS = ("id", "ref", "label", "description", "version", "tags", "is_standard")


@case
def list_packs_page(args):
    answer = list_packs.sync_detailed(client=client(), page=args["page"], page_size=args["page_size"])
    page = parsed(answer, 200, models.PaginatedResponsePackSummary)
    return {
        "refs": [item.ref for item in page.items],
        "pagination": page.pagination.to_dict(),
    }


@case
def search_packs(args):
    page = parsed(
        list_packs.sync_detailed(client=client(), q=args["q"]), 200, models.PaginatedResponsePackSummary
    )
    return {"refs": [item.ref for item in page.items]}


@case
def get_one_pack(args):
    data = parsed(get_pack.sync_detailed(args["ref"], client=client()), 200, models.GetPackResponse200).data
    assert data.ref == args["ref"]
    return {**summary(data, *PACK_FIELDS, "dependencies", "runtime_deps"), "config": data.config.to_dict()}


@case
def get_missing_pack(args):
    answer = get_pack.sync_detailed(args["ref"], client=client())
    assert answer.status_code == 404 and answer.parsed is None, (answer.status_code, answer.content)
    return {"status": answer.status_code}


@case
def create_a_pack(args):
    body = models.CreatePackRequest.from_dict(args["body"])
    data = parsed(
        create_pack.sync_detailed(client=client(), body=body), 201, models.CreatePackResponse201
    ).data
    return {**summary(data, *PACK_FIELDS, "dependencies"), "meta": data.meta.to_dict()}


@case
def update_a_pack(args):
    # The SDK always sends conf_schema, config and meta; None (JSON null) means "unchanged".
    body = models.UpdatePackRequest.from_dict(
        {"conf_schema": None, "config": None, "meta": None, **args["body"]}
    )
    answer = update_pack.sync_detailed(args["ref"], client=client(), body=body)
    data = parsed(answer, 200, models.UpdatePackResponse200).data
    return summary(data, *PACK_FIELDS)


@case
def delete_a_pack(args):
    answer = parsed(delete_pack.sync_detailed(args["ref"], client=client()), 200, models.SuccessResponse)
    assert answer.success is True
    return {"message": answer.message}


@case
def register_a_pack(args):
    body = models.RegisterPackRequest.from_dict(args["body"])
    answer = register_pack.sync_detailed(client=client(), body=body)
    data = parsed(answer, 201, models.ApiResponsePackInstallResponse).data
    return {**summary(data.pack, *PACK_FIELDS), "tests_skipped": data.tests_skipped}


@case
def upload_a_pack(args):
    archive = File(payload=io.BytesIO(base64.b64decode(args["archive"])), file_name=args["file_name"])
    body = models.PackUploadForm(pack=archive, force=args.get("force", UNSET))
    answer = upload_pack.sync_detailed(client=client(), body=body)
    data = parsed(answer, 201, models.UploadPackResponse201).data
    return {**summary(data.pack, *PACK_FIELDS), "tests_skipped": data.tests_skipped}


@case
def sync_workflows_of_pack(args):
    answer = sync_pack_workflows.sync_detailed(args["ref"], client=client())
    data = parsed(answer, 200, models.SyncPackWorkflowsResponse200).data
    assert data.pack_ref == args["ref"]
    return {
        **summary(data, "loaded_count", "registered_count", "errors"),
        "workflows": {w.ref_name: {"created": w.created, "id": w.workflow_def_id} for w in data.workflows},
    }


@case
def validate_workflows_of_pack(args):
    answer = validate_pack_workflows.sync_detailed(args["ref"], client=client())
    data = parsed(answer, 200, models.ValidatePackWorkflowsResponse200).data
    assert data.pack_ref == args["ref"]
    return {**summary(data, "validated_count", "error_count"), "errors": data.errors.to_dict()}


# --- workflows ------------------------------------------------------------------------

WORKFLOW_FIELDS = ("id", "ref", "pack", "pack_ref", "label", "description", "version", "tags")


def workflow_summary(data):
    return {
        **summary(data, *WORKFLOW_FIELDS),
        "definition": data.definition.to_dict(),
        "param_schema": jsonable(data.param_schema),
        "out_schema": jsonable(data.out_schema),
    }


@case
def list_workflows_filtered(args):
    filters = {key: args.get(key, UNSET) for key in ("tags", "search", "pack_ref", "page", "page_size")}
    answer = list_workflows.sync_detailed(client=client(), **filters)
    page = parsed(answer, 200, models.PaginatedResponseWorkflowSummary)
    return {"refs": [item.ref for item in page.items], "pagination": page.pagination.to_dict()}


@case
def list_workflows_of_pack(args):
    answer = list_workflows_by_pack.sync_detailed(args["pack_ref"], client=client())
    page = parsed(answer, 200, models.PaginatedResponseWorkflowSummary)
    assert all(item.pack_ref == args["pack_ref"] for item in page.items)
    return {"refs": [item.ref for item in page.items], "pagination": page.pagination.to_dict()}


@case
def get_one_workflow(args):
    answer = get_workflow.sync_detailed(args["ref"], client=client())
    data = parsed(answer, 200, models.GetWorkflowResponse200).data
    assert data.ref == args["ref"]
    return workflow_summary(data)


@case
def create_a_workflow(args):
    body = models.CreateWorkflowRequest.from_dict(args["body"])
    answer = create_workflow.sync_detailed(client=client(), body=body)
    return workflow_summary(parsed(answer, 201, models.CreateWorkflowResponse201).data)


@case
def update_a_workflow(args):
    # The SDK always sends definition, param_schema and out_schema; None means "unchanged".
    fields = {"definition": None, "param_schema": None, "out_schema": None, **args["body"]}
    body = models.UpdateWorkflowRequest.from_dict(fields)
    answer = update_workflow.sync_detailed(args["ref"], client=client(), body=body)
    return workflow_summary(parsed(answer, 200, models.UpdateWorkflowResponse200).data)


@case
def delete_a_workflow(args):
    answer = parsed(delete_workflow.sync_detailed(args["ref"], client=client()), 200, models.SuccessResponse)
    assert answer.success is True
    return {"message": answer.message}


# --- executions -----------------------------------------------------------------------

EXECUTION_FIELDS = (
    "id", "action", "action_ref", "parent", "enforcement", "executor", "worker", "status",
    "timeout_seconds", "original_execution", "started_at", "created", "updated",
)  # fmt: skip


def execution_summary(data):
    return {
        **summary(data, *EXECUTION_FIELDS),
        "config": data.config.to_dict(),
        "result": data.result.to_dict(),
    }


@case
def create_an_execution(args):
    # The SDK's create_execution parses the 201 body as a bare ExecutionResponse, but Attune's
    # server wraps it in `data` like every answer (routes/executions.rs: ApiResponse::new), so
    # the generated parser fails on Attune itself. The case sends the SDK's own request and
    # reads the answer with the SDK's own `{"data": ExecutionResponse}` model.
    body = models.CreateExecutionRequest.from_dict({"parameters": {}, "env_vars": {}, **args["body"]})
    answer = client().get_httpx_client().request(**create_execution._get_kwargs(body=body))
    assert answer.status_code == 201, (answer.status_code, answer.content[:2000])
    envelope = models.ApiResponseExecutionResponse.from_dict(answer.json())
    check_model(envelope)
    return execution_summary(envelope.data)


@case
def create_an_execution_refused(args):
    body = models.CreateExecutionRequest.from_dict({"parameters": {}, "env_vars": {}, **args["body"]})
    answer = create_execution.sync_detailed(client=client(), body=body)
    assert answer.parsed is None, answer.content
    return {"status": answer.status_code, "body": json.loads(answer.content)}


@case
def get_one_execution(args):
    answer = get_execution.sync_detailed(args["id"], client=client())
    data = parsed(answer, 200, models.GetExecutionResponse200).data
    assert data.id == args["id"]
    return execution_summary(data)


@case
def list_executions_filtered(args):
    filters = {key: args.get(key, UNSET) for key in ("action_ref", "pack_name", "parent", "top_level_only",
                                                      "executor", "include_total", "page", "per_page")}  # fmt: skip
    if "status" in args:
        filters["status"] = models.ExecutionStatus(args["status"])
    answer = list_executions.sync_detailed(client=client(), **filters)
    page = parsed(answer, 200, models.PaginatedResponseExecutionSummary)
    return {
        "items": [summary(item, "id", "action_ref", "status", "parent") for item in page.items],
        "pagination": jsonable(page.pagination),
    }


@case
def cancel_an_execution(args):
    answer = cancel_execution.sync_detailed(args["id"], client=client())
    if args.get("expect_status", 200) != 200:
        assert answer.status_code == args["expect_status"] and answer.parsed is None, answer.content
        return {"status": answer.status_code}
    data = parsed(answer, 200, models.CancelExecutionResponse200).data
    return execution_summary(data)


# --- actions ----------------------------------------------------------------------------
# Imported here, beside their cases, so each resource's section stands on its own.
from attune.api_client.api.actions import (  # noqa: E402
    create_action,
    delete_action,
    get_action,
    list_actions,
    list_actions_by_pack,
    update_action,
)

ACTION_FIELDS = (
    "id", "ref", "pack_ref", "label", "description", "entrypoint", "enabled", "timeout_seconds",
    "workflow_def", "accesses_mcp", "reference_visibility",
)  # fmt: skip


def action_summary(data):
    result = summary(data, *ACTION_FIELDS)
    for name in ("pack", "is_adhoc", "param_schema", "out_schema"):
        if hasattr(data, name):
            result[name] = jsonable(getattr(data, name))
    return result


@case
def list_actions_filtered(args):
    filters = {key: args.get(key, UNSET) for key in ("q", "page", "page_size")}
    page = parsed(
        list_actions.sync_detailed(client=client(), **filters), 200, models.PaginatedResponseActionSummary
    )
    return {"items": [action_summary(item) for item in page.items], "pagination": page.pagination.to_dict()}


@case
def list_actions_of_pack(args):
    filters = {key: args.get(key, UNSET) for key in ("q", "page", "page_size")}
    answer = list_actions_by_pack.sync_detailed(args["pack_ref"], client=client(), **filters)
    page = parsed(answer, 200, models.PaginatedResponseActionSummary)
    assert all(item.pack_ref == args["pack_ref"] for item in page.items)
    return {"refs": [item.ref for item in page.items], "pagination": page.pagination.to_dict()}


@case
def get_one_action(args):
    data = parsed(
        get_action.sync_detailed(args["ref"], client=client()), 200, models.GetActionResponse200
    ).data
    assert data.ref == args["ref"]
    return action_summary(data)


@case
def create_an_action(args):
    body = models.CreateActionRequest.from_dict(args["body"])
    answer = create_action.sync_detailed(client=client(), body=body)
    return action_summary(parsed(answer, 201, models.CreateActionResponse201).data)


@case
def update_an_action(args):
    body = models.UpdateActionRequest.from_dict(args["body"])
    answer = update_action.sync_detailed(args["ref"], client=client(), body=body)
    return action_summary(parsed(answer, 200, models.UpdateActionResponse200).data)


@case
def delete_an_action(args):
    answer = parsed(delete_action.sync_detailed(args["ref"], client=client()), 200, models.SuccessResponse)
    assert answer.success is True
    return {"message": answer.message}


@case
def delete_a_missing_action(args):
    answer = delete_action.sync_detailed(args["ref"], client=client())
    assert answer.parsed is None or not getattr(answer.parsed, "success", False), answer.content
    return {"status": answer.status_code}


def serve():
    """Answer requests from stdin until it closes; the SDK's own output goes to stderr."""
    replies = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        request = json.loads(line)
        SERVER.update(url=request["url"], token=request.get("token") or "")
        try:
            reply = {"result": CASES[request["case"]](request["arguments"])}
        except Exception:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        print(json.dumps(CASES[sys.argv[1]](json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))))
