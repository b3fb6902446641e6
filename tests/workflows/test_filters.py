"""List filters: each with its negative twin, combinations, pagination and bad parameters."""

import pytest

from tests.conftest import assert_error

URL = "/api/v1/workflows"


@pytest.fixture
def catalogue(make_workflow):
    make_workflow(
        "ops.page_oncall", label="Page on-call", tags=["incident", "pager"], description="Wake someone"
    )
    make_workflow("ops.close_incident", label="Close incident", tags=["incident"], enabled=False)
    make_workflow(
        "ops.deploy_app", label="Deploy app", tags=["deploy", "incidental"], description="100% safe"
    )
    make_workflow("data.nightly_etl", label="Nightly ETL", tags=["data_pipeline"], description="Load_stats")
    make_workflow("data.approve_budget", label="Approve budget", tags=[])


def refs(response):
    assert response.status_code == 200, response.content
    return sorted(item["ref"] for item in response.json()["items"])


@pytest.mark.parametrize(
    "params, expected",
    [
        (
            {},
            [
                "data.approve_budget",
                "data.nightly_etl",
                "ops.close_incident",
                "ops.deploy_app",
                "ops.page_oncall",
            ],
        ),
        ({"tags": "incident"}, ["ops.close_incident", "ops.page_oncall"]),
        ({"tags": "inc"}, []),  # exact tag match, not a prefix
        ({"tags": "Incident"}, []),  # tags are case-sensitive
        ({"tags": "pager,deploy"}, ["ops.deploy_app", "ops.page_oncall"]),  # any of
        ({"tags": " pager , nothing"}, ["ops.page_oncall"]),  # elements trimmed
        (
            {"enabled": "true"},
            ["data.approve_budget", "data.nightly_etl", "ops.deploy_app", "ops.page_oncall"],
        ),
        ({"enabled": "false"}, ["ops.close_incident"]),
        ({"search": "DEPLOY"}, ["ops.deploy_app"]),  # label, case-insensitive
        ({"search": "wake"}, ["ops.page_oncall"]),  # description
        ({"search": "nightly_"}, ["data.nightly_etl"]),  # ref
        ({"search": "pipeline"}, ["data.nightly_etl"]),  # inside a tag
        ({"search": "100%"}, ["ops.deploy_app"]),  # % is literal
        ({"search": "%"}, ["ops.deploy_app"]),
        ({"search": "d_s"}, ["data.nightly_etl"]),  # _ is literal: matches "Load_stats" only
        ({"search": "zzz"}, []),
        ({"pack_ref": "data"}, ["data.approve_budget", "data.nightly_etl"]),
        ({"pack_ref": "dat"}, []),  # exact pack ref
        ({"tags": "incident", "enabled": "true"}, ["ops.page_oncall"]),
        ({"tags": "incident,deploy", "search": "app"}, ["ops.deploy_app"]),
        ({"pack_ref": "ops", "enabled": "false", "search": "close"}, ["ops.close_incident"]),
        ({"pack_ref": "data", "tags": "incident"}, []),
    ],
)
def test_workflow_list_filters(api_client, catalogue, params, expected):
    assert refs(api_client.get(URL, params)) == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"tags": "incident"}, ["ops.close_incident", "ops.page_oncall"]),
        ({"enabled": "false"}, ["ops.close_incident"]),
        ({"search": "deploy"}, ["ops.deploy_app"]),
        ({"pack_ref": "data"}, []),  # AND with the pack in the path
    ],
)
def test_by_pack_list_applies_the_same_filters(api_client, catalogue, params, expected):
    assert refs(api_client.get("/api/v1/packs/ops/workflows", params)) == expected


@pytest.mark.parametrize(
    "params, field",
    [
        ({"enabled": "maybe"}, "enabled"),
        ({"enabled": "True"}, "enabled"),  # exactly true|false
        ({"enabled": "1"}, "enabled"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "500"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_invalid_list_parameters_are_rejected(api_client, catalogue, params, field):
    body = assert_error(api_client.get(URL, params), 400, "VALIDATION_ERROR")
    assert field in body["details"]


def test_pagination_meta_on_a_middle_page(api_client, catalogue):
    body = api_client.get(URL, {"page": 2, "page_size": 2}).json()
    assert [item["ref"] for item in body["items"]] == ["ops.deploy_app", "data.nightly_etl"]
    assert body["pagination"] == {
        "page": 2,
        "page_size": 2,
        "total_items": 5,
        "total_pages": 3,
        "has_next": True,
        "has_previous": True,
    }


def test_pagination_last_page(api_client, catalogue):
    body = api_client.get(URL, {"page": 3, "page_size": 2}).json()
    assert [item["ref"] for item in body["items"]] == ["ops.page_oncall"]
    assert body["pagination"]["has_next"] is False


def test_page_past_the_end_is_empty_not_an_error(api_client, catalogue):
    response = api_client.get(URL, {"page": 9, "page_size": 2})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["pagination"]["total_items"] == 5


def test_pagination_counts_only_filtered_rows(api_client, catalogue):
    body = api_client.get(URL, {"tags": "incident", "page_size": 1}).json()
    assert len(body["items"]) == 1
    assert body["pagination"]["total_items"] == 2
    assert body["pagination"]["total_pages"] == 2


def test_unknown_query_parameters_do_not_widen_or_narrow(api_client, catalogue):
    assert len(refs(api_client.get(URL, {"colour": "blue"}))) == 5


@pytest.mark.parametrize("value", ["", ",", " , ", "pager,,", "pager, ,deploy", "\x1c", "pager,\u3000"])
@pytest.mark.parametrize("url", ["/api/v1/workflows", "/api/v1/packs", "/api/v1/actions"])
def test_a_tags_filter_without_any_tag_is_refused(api_client, url, value):
    response = api_client.get(url, {"tags": value})
    assert response.status_code == 400
    assert response.json()["details"]["tags"] == ["Every tag in the list must be non-empty."]
