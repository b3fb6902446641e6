"""Schemathesis hooks for .ci/fuzz_api: the rules the OpenAPI schema cannot state.

The schema states every rule JSON Schema can express (patterns, lengths, enums, required,
unknown keys refused). A few rules relate one field to another or to stored data, and the
workflow language itself is checked beyond its JSON Schema (graph and template rules). For
schema-valid (positive) cases only, these hooks make the generated body satisfy those rules
too, so `positive_data_acceptance` can insist on a 2xx; negative cases are left as drawn.

They also count the creates that succeeded, so the run can prove that fuzzed creates land.
"""

import os
import threading

import schemathesis
from schemathesis.core.parameters import ParameterLocation

# The pack the script creates for workflow creates to land in; the fuzzer must not delete it.
ANCHOR_PACK = os.environ.get("FUZZ_ANCHOR_PACK", "fuzz")
COUNTS_FILE = os.environ.get("FUZZ_COUNTS_FILE")
CREATES = {"create_pack", "create_workflow", "create_action"}
_lock = threading.Lock()

DEFINITIONS = [
    {"version": "1.0.0", "tasks": [{"name": "only", "action": "core.echo"}]},
    {
        "version": "1.0.0",
        "tasks": [
            {"name": "fetch", "action": "core.http", "next": [{"when": "{{ succeeded() }}", "do": ["done"]}]},
            {"name": "done", "action": "core.noop"},
        ],
    },
]
PARAM_SCHEMAS = [None, {}, {"type": "object", "properties": {"url": {"type": "string"}}}]
CONF = [({}, {}), ({"token": {"type": "string", "secret": True}}, {"token": "s3cret"})]


def _operation_id(context) -> str:
    return context.operation.definition.raw.get("operationId", "") if context.operation else ""


def _positive_body(case) -> bool:
    meta = case.meta
    return (
        isinstance(case.body, dict) and meta is not None and not meta.is_negative_at(ParameterLocation.BODY)
    )


def _pick(options: list, seed: str):
    return options[sum(map(ord, seed)) % len(options)]


def _fix_pack(body: dict, current_ref: str | None) -> None:
    if current_ref is not None and "ref" in body:
        body["ref"] = current_ref  # `ref` may be sent on update, but only unchanged
    ref = current_ref or body.get("ref") or ""
    if isinstance(body.get("dependencies"), list):
        body["dependencies"] = [dep for dep in body["dependencies"] if dep != ref]  # not itself
    if body.get("conf_schema") is not None or body.get("config") is not None:
        # conf_schema is a JSON Schema (or its flat form) and config must match it.
        body["conf_schema"], body["config"] = _pick(CONF, ref)


def _fix_workflow(body: dict, current_ref: str | None) -> None:
    if current_ref is not None:
        for key, value in (("ref", current_ref), ("pack_ref", current_ref.partition(".")[0])):
            if key in body:
                body[key] = value  # may be sent on update, but only unchanged
    elif isinstance(body.get("ref"), str):
        body["pack_ref"] = ANCHOR_PACK  # an existing pack; the ref starts with its pack's ref
        body["ref"] = f"{ANCHOR_PACK}.{body['ref'].partition('.')[2]}"
    seed = str(body.get("ref", current_ref or ""))
    if body.get("definition") is not None:
        body["definition"] = _pick(DEFINITIONS, seed)  # the language's graph and template rules
    for key in ("param_schema", "out_schema"):
        if body.get(key) is None:
            continue
        if current_ref is not None and body.get("definition") is None:
            # The stored definition's templates name the stored parameters.
            del body[key]
        else:
            body[key] = _pick(PARAM_SCHEMAS, seed)  # must be a valid JSON Schema of an object


def _fix_action(body: dict, current_ref: str | None) -> None:
    if current_ref is not None:
        for key, value in (("ref", current_ref), ("pack_ref", current_ref.partition(".")[0])):
            if key in body:
                body[key] = value  # may be sent on update, but only unchanged
    elif isinstance(body.get("ref"), str):
        body["pack_ref"] = ANCHOR_PACK  # an existing pack; the ref starts with its pack's ref
        body["ref"] = f"{ANCHOR_PACK}.{body['ref'].partition('.')[2]}"
    # A runner (runner_type or runtime_ref) with a script entry point inside actions/;
    # `builtin` is the core pack's only.
    body.pop("runtime_ref", None)
    if current_ref is None or "runner_type" in body:
        body["runner_type"] = "python"
    if current_ref is None or "entrypoint" in body:
        body["entrypoint"] = "run.py"
    seed = str(body.get("ref", current_ref or ""))
    for key in ("param_schema", "out_schema"):
        if body.get(key) is not None:
            body[key] = _pick([schema for schema in PARAM_SCHEMAS if schema is not None], seed)


def _fix_tags_query(case) -> None:
    """`tags` travels comma-separated (form style, explode false), so an item holding a comma
    is two items on the wire; the schema's item pattern forbids it but the generator does not
    always honour patterns inside query arrays. An object drawn for it is sent as text."""
    query = case.query if isinstance(case.query, dict) else {}
    tags = query.get("tags")
    if isinstance(tags, dict):
        # A negative case's object travels as its text (`?tags={}`), which is a valid list of
        # one tag, so the server rightly answers 200 (schemathesis 4.32.5 only discounts this
        # for numeric parameters). The empty list is what an invalid `tags` can be on the wire.
        query["tags"] = ""
        return
    if isinstance(tags, str):
        tags = [tags]
    if isinstance(tags, list) and any("," in str(item) for item in tags):
        items = [str(item).replace(",", "") for item in tags]
        query["tags"] = [item for item in items if item.strip()] or ["ops"]


@schemathesis.hook
def map_case(context, case):
    operation = _operation_id(context)
    _fix_tags_query(case)
    if not _positive_body(case):
        return case
    current = (case.path_parameters or {}).get("ref")
    if operation in ("create_pack", "update_pack", "partial_update_pack"):
        _fix_pack(case.body, current if operation != "create_pack" else None)
    elif operation in ("create_workflow", "update_workflow", "partial_update_workflow"):
        _fix_workflow(case.body, current if operation != "create_workflow" else None)
    elif operation in ("create_action", "update_action", "partial_update_action"):
        _fix_action(case.body, current if operation != "create_action" else None)
    return case


@schemathesis.hook
def filter_case(context, case):
    # Deleting the anchor pack would turn every later workflow create into a 404.
    return not (
        _operation_id(context) == "delete_pack" and (case.path_parameters or {}).get("ref") == ANCHOR_PACK
    )


@schemathesis.hook
def after_call(context, case, response):
    operation = _operation_id(context)
    if COUNTS_FILE and operation in CREATES and response.status_code == 201:
        with _lock, open(COUNTS_FILE, "a", encoding="utf-8") as counts:
            counts.write(f"{operation}\n")
