"""NUL characters, lone surrogates and deep nesting: a 4xx with the envelope, never a 500.

PostgreSQL refuses NUL in text and jsonb; no database encodes a lone surrogate. These run on
both databases (the suite runs on SQLite and on PostgreSQL with DATABASE_URL).
"""

import io
import json

import pytest

from packs.models import Pack
from tests.conftest import DEFINITION, assert_error

PACKS = "/api/v1/packs"
WORKFLOWS = "/api/v1/workflows"
VALIDATE = "/api/v1/workflows/validate"
NUL = "\\u0000"  # as written in JSON text
SURROGATE = "\\ud800"


def post_json(client, url, text: str, method="post"):
    return getattr(client, method)(url, data=text.encode(), content_type="application/json")


def pack_body(**overrides) -> dict:
    return {"ref": "demo", "label": "Demo", "version": "1.0.0", **overrides}


# JSON text with the bad escape placed in a string value, an object key, a tag, a nested value.
BAD_PACK_BODIES = {
    "nul in a value": '{"ref": "demo", "label": "De%smo", "version": "1.0.0"}',
    "nul in an object key": '{"ref": "demo", "label": "Demo", "version": "1.0.0", "meta": {"k%s": 1}}',
    "nul in a tag": '{"ref": "demo", "label": "Demo", "version": "1.0.0", "tags": ["a%s"]}',
    "nul deep in config": '{"ref": "demo", "label": "Demo", "version": "1.0.0", "meta": {"a": [{"b": "%s"}]}}',
}


@pytest.mark.parametrize("escape", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("template", BAD_PACK_BODIES.values(), ids=BAD_PACK_BODIES.keys())
def test_it_refuses_a_pack_body_with_an_unstorable_string(api_client, template, escape):
    response = post_json(api_client, PACKS, template % escape)
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "NUL" in body["error"] or "surrogate" in body["error"]
    assert not Pack.objects.exclude(ref="core").exists()


def test_it_still_accepts_an_escaped_backslash_followed_by_u0000(api_client):
    # `\\u0000` in JSON is a backslash and the text "u0000": storable, not a NUL.
    response = post_json(api_client, PACKS, json.dumps(pack_body(label="De\\u0000mo")))
    assert response.status_code == 201, response.content
    assert Pack.objects.get(ref="demo").label == "De\\u0000mo"


def test_it_names_where_the_nul_is(api_client):
    response = post_json(api_client, PACKS, BAD_PACK_BODIES["nul deep in config"] % NUL)
    assert response.json()["details"]["body"][0].startswith("/meta/a/0/b: the value contains a NUL")


def test_it_refuses_a_nul_in_a_workflow_definition_on_update(api_client, make_workflow):
    workflow = make_workflow()
    text = json.dumps({"definition": DEFINITION}).replace("core.echo", "demo.e\\u0000cho")
    response = post_json(api_client, f"{WORKFLOWS}/{workflow.ref}", text, method="patch")
    assert_error(response, 400, "VALIDATION_ERROR")
    workflow.refresh_from_db()
    assert workflow.definition == DEFINITION


@pytest.mark.parametrize("url", [f"{PACKS}/de%00mo", f"{WORKFLOWS}/demo.x%00y", f"{PACKS}/demo%00/workflows"])
def test_a_ref_with_a_nul_in_the_url_is_not_found(api_client, make_pack, url):
    make_pack("demo")
    assert_error(api_client.get(url), 404, "NOT_FOUND")
    assert_error(api_client.delete(url), 404, "NOT_FOUND")
    assert Pack.objects.filter(ref="demo").exists()


def test_a_ref_without_a_nul_is_found(api_client, make_pack):
    make_pack("demo")
    assert api_client.get(f"{PACKS}/core").status_code == 200


@pytest.mark.parametrize(
    "query",
    ["search=a%00b", "tags=a%00b", "tags=ok,a%00b", "q=%00", "pack_ref=demo%00"],
)
@pytest.mark.parametrize("url", [PACKS, WORKFLOWS])
def test_a_filter_with_a_nul_is_refused(api_client, make_workflow, url, query):
    make_workflow()
    body = assert_error(api_client.get(f"{url}?{query}"), 400, "VALIDATION_ERROR")
    assert query.split("=")[0] in body["details"]


def test_a_filter_without_a_nul_is_applied(api_client, make_workflow):
    make_workflow()
    response = api_client.get(f"{WORKFLOWS}?search=zzz-none")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_admin_search_refuses_a_nul(admin_browser):
    response = admin_browser.get("/admin/packs/pack/?q=a%00b")
    assert response.status_code == 400


def test_the_admin_search_without_a_nul_works(admin_browser, make_pack):
    make_pack("demo")
    response = admin_browser.get("/admin/packs/pack/?q=core")
    assert response.status_code == 200


@pytest.mark.parametrize("url", [PACKS, VALIDATE])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_a_thousand_levels_is_refused_before_parsing(api_client, url, opening):
    closing = "]" if opening == "[" else "}"
    response = post_json(api_client, url, opening * 1000 + "1" + closing * 1000)
    body = assert_error(response, 400, "VALIDATION_ERROR")
    assert "deeper than 64 levels" in body["error"]
    assert not Pack.objects.exclude(ref="core").exists()


def test_json_nested_a_hundred_thousand_levels_is_refused(api_client):
    response = post_json(api_client, VALIDATE, "[" * 100_000 + "]" * 100_000)
    assert_error(response, 400, "VALIDATION_ERROR")


def test_brackets_inside_strings_do_not_count_as_nesting(api_client):
    response = post_json(api_client, PACKS, json.dumps(pack_body(description="[{" * 500)))
    assert response.status_code == 201, response.content


def test_the_nesting_limit_is_a_setting(api_client, settings):
    settings.ATTUNE_MAX_NESTING_DEPTH = 3
    shallow = post_json(api_client, PACKS, json.dumps(pack_body(meta={"a": {"b": 1}})))
    deep = post_json(api_client, PACKS, json.dumps(pack_body(ref="deep", meta={"a": {"b": {"c": 1}}})))
    assert shallow.status_code == 201, shallow.content
    body = assert_error(deep, 400, "VALIDATION_ERROR")
    assert "deeper than 3 levels" in body["error"]
    assert list(Pack.objects.exclude(ref="core").values_list("ref", flat=True)) == ["demo"]


def yaml_post(client, text: str):
    return client.post(VALIDATE, data=text.encode(), content_type="application/yaml")


@pytest.mark.parametrize("escape", ["\\0", "\\x00", "\\u0000"])
def test_a_yaml_body_with_a_nul_escape_is_refused_with_its_line(api_client, escape):
    text = f'version: "1.0.0"\ntasks:\n  - name: start\n    action: "core.{escape}echo"\n'
    body = assert_error(yaml_post(api_client, text), 400, "VALIDATION_ERROR")
    assert body["details"]["body"] == [
        "line 4, column 13: /tasks/0/action: the value contains a NUL character (\\u0000), which is not allowed"
    ]


def test_a_yaml_body_nested_past_the_limit_is_refused(api_client):
    text = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 100))
    body = assert_error(yaml_post(api_client, "a: " + "[" * 100 + "]" * 100), 400, "VALIDATION_ERROR")
    assert "deeper than 64 levels" in body["error"]
    assert_error(yaml_post(api_client, text), 400, "VALIDATION_ERROR")


def test_a_plain_yaml_body_is_validated(api_client):
    text = 'version: "1.0.0"\ntasks:\n  - name: start\n    action: core.echo\n'
    response = yaml_post(api_client, text)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["valid"] is True


def test_validate_refuses_a_null_body(api_client):
    body = assert_error(post_json(api_client, VALIDATE, "null"), 400, "VALIDATION_ERROR")
    assert body["details"]["body"] == ["Send a workflow definition: a JSON object or YAML text."]


def test_validate_still_answers_diagnostics_for_a_list_body(api_client):
    response = post_json(api_client, VALIDATE, "[]")
    assert response.status_code == 200
    assert response.json()["data"]["diagnostics"][0]["code"] == "W000-not-an-object"


def test_an_empty_enabled_filter_is_refused(api_client, make_workflow):
    make_workflow()
    body = assert_error(api_client.get(f"{WORKFLOWS}?enabled="), 400, "VALIDATION_ERROR")
    assert body["details"]["enabled"] == ["Must be one of: true, false; an empty value is not a filter."]


def test_an_enabled_filter_with_a_value_is_applied(api_client, make_workflow):
    make_workflow()
    assert len(api_client.get(f"{WORKFLOWS}?enabled=true").json()["items"]) == 1
    assert api_client.get(f"{WORKFLOWS}?enabled=false").json()["items"] == []


def test_a_raw_nul_in_the_body_is_refused_as_bad_json(api_client):
    response = api_client.post(
        PACKS, data=io.BytesIO(b'{"ref": "a\x00"}').read(), content_type="application/json"
    )
    assert_error(response, 400, "BAD_REQUEST")


def test_a_nul_in_a_utf16_body_is_refused_too(api_client):
    # The fast path (no escape in the raw bytes) holds for UTF-8 only; other charsets are walked.
    text = json.dumps(pack_body(label="De\x00mo"))
    response = api_client.post(
        PACKS, data=text.encode("utf-16"), content_type="application/json; charset=utf-16"
    )
    assert_error(response, 400, "VALIDATION_ERROR")
    assert not Pack.objects.exclude(ref="core").exists()


def test_a_lone_surrogate_as_raw_bytes_is_refused_as_bad_json(api_client):
    raw = b'{"ref": "demo", "label": "\xed\xa0\x80", "version": "1.0.0"}'
    assert_error(api_client.post(PACKS, data=raw, content_type="application/json"), 400, "BAD_REQUEST")
    assert not Pack.objects.exclude(ref="core").exists()
