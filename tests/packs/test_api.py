"""The pack endpoints."""

import pytest

from packs.models import Pack
from tests.conftest import assert_error
from workflows.models import Workflow

URL = "/api/v1/packs"


def test_create_pack_returns_it_with_defaults(api_client):
    response = api_client.post(URL, {"ref": "slack", "label": "Slack", "version": "1.2.3", "tags": ["chat"]})
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "Pack created successfully"
    data = body["data"]
    assert (data["ref"], data["label"], data["version"], data["tags"]) == (
        "slack",
        "Slack",
        "1.2.3",
        ["chat"],
    )
    assert data["workflow_count"] == 0 and data["workflows"] == []
    assert data["conf_schema"] == {} and data["config"] == {} and data["dependencies"] == []
    assert data["worker_selector"] == {} and data["worker_tolerations"] == [] and data["is_standard"] is False
    assert Pack.objects.get(ref="slack").version == "1.2.3"


def test_create_pack_stores_every_field(api_client):
    body = {
        "ref": "aws_ec2",
        "label": "AWS EC2",
        "description": "Instances",
        "version": "2.0.0-rc.1+build.5",
        "tags": ["cloud"],
        "conf_schema": {"region": {"type": "string", "default": "eu-west-1"}},
        "config": {"region": "us-east-1"},
        "meta": {"author": "SRE"},
        "dependencies": ["demo"],
        "runtime_deps": ["python"],
        "is_standard": True,
        "worker_selector": {"zone": "a"},
        "worker_tolerations": [{"key": "gpu", "operator": "Exists"}],
        "worker_affinity": {"prefer": ["zone-a"]},
    }
    response = api_client.post(URL, body)
    assert response.status_code == 201, response.content
    pack = Pack.objects.get(ref="aws_ec2")
    for field, value in body.items():
        assert getattr(pack, field) == value, field
        assert response.json()["data"][field] == value, field


def test_create_pack_conflict(api_client, make_pack):
    make_pack("slack", label="Original")
    body = assert_error(
        api_client.post(URL, {"ref": "slack", "label": "New", "version": "1.0.0"}), 409, "CONFLICT"
    )
    assert body["error"] == "Pack with ref 'slack' already exists"
    assert Pack.objects.get(ref="slack").label == "Original"


@pytest.mark.parametrize(
    "field, value",
    [
        ("ref", "Slack"),
        ("ref", "my.pack"),
        ("ref", "1pack"),
        ("ref", "a" * 65),
        ("ref", ""),
        ("label", ""),
        ("label", "x" * 256),
        ("version", "1.0"),
        ("version", "v1.0.0"),
        ("tags", ["ok", ""]),
        ("tags", ["a,b"]),
        ("tags", ["x" * 65]),
        ("tags", "chat"),
        ("conf_schema", {"region": "string"}),
        ("conf_schema", {"type": "array"}),
        ("conf_schema", []),
        ("config", ["not", "an", "object"]),
        ("meta", "text"),
        ("dependencies", ["Not A Ref"]),
        ("dependencies", ["slack"]),  # itself
        ("dependencies", ["demo", "demo"]),
        ("runtime_deps", [""]),
        ("worker_selector", {"zone": 1}),
        ("worker_tolerations", {"key": "x"}),
        ("worker_affinity", []),
        ("is_standard", "sometimes"),
        ("is_standard", "true"),  # a JSON boolean, not a string
        ("is_standard", 1),
    ],
)
def test_create_pack_rejects_invalid_field(api_client, field, value):
    body = {"ref": "slack", "label": "Slack", "version": "1.0.0", field: value}
    error = assert_error(api_client.post(URL, body), 400, "VALIDATION_ERROR")
    assert field in error["details"], error
    assert not Pack.objects.exclude(ref="core").exists()


def test_create_pack_rejects_config_that_breaks_its_schema(api_client):
    body = {
        "ref": "slack",
        "label": "Slack",
        "version": "1.0.0",
        "conf_schema": {"token": {"type": "string", "required": True, "secret": True}},
        "config": {},
    }
    error = assert_error(api_client.post(URL, body), 400, "VALIDATION_ERROR")
    assert error["details"]["config"] == ["Does not match conf_schema: '/': 'token' is a required property."]
    assert not Pack.objects.exclude(ref="core").exists()


def test_get_pack_lists_its_workflows(api_client, make_workflow):
    make_workflow("slack.b_flow", label="B", version="1.1.0", enabled=False)
    make_workflow("slack.a_flow", label="A")
    response = api_client.get(f"{URL}/slack")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["workflow_count"] == 2
    assert data["workflows"] == [
        {"ref": "slack.a_flow", "label": "A", "version": "1.0.0", "enabled": True},
        {"ref": "slack.b_flow", "label": "B", "version": "1.1.0", "enabled": False},
    ]


def test_get_pack_not_found(api_client):
    body = assert_error(api_client.get(f"{URL}/ghost"), 404, "NOT_FOUND")
    assert body["error"] == "Pack 'ghost' not found"


def test_list_packs_ordered_by_ref_with_counts(api_client, make_pack, make_workflow):
    make_pack("zeta")
    make_workflow("alpha.one")
    make_workflow("alpha.two")
    body = api_client.get(URL).json()
    # The core pack is installed by migrate, so every database has it.
    assert [(p["ref"], p["workflow_count"]) for p in body["items"]] == [
        ("alpha", 2),
        ("core", 0),
        ("zeta", 0),
    ]
    assert set(body["items"][0]) == {
        "id",
        "ref",
        "label",
        "description",
        "version",
        "tags",
        "is_standard",
        "workflow_count",
        "created",
        "updated",
    }
    assert body["pagination"]["total_items"] == 3


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "slack"}, ["slack"]),
        ({"q": "CHAT messages"}, ["slack"]),  # every word must match, case-insensitively
        ({"q": "chat cloud"}, []),
        ({"search": "cloud"}, ["aws"]),  # alias
        ({"q": "  "}, ["aws", "core", "demo", "slack"]),  # core: installed by migrate
        ({"q": "50%"}, ["demo"]),  # % is literal
        ({"tags": "cloud,chat"}, ["aws", "slack"]),
        ({"tags": "clou"}, []),
        ({"tags": "chat", "q": "aws"}, []),
    ],
)
def test_list_packs_filters(api_client, make_pack, params, expected):
    make_pack("slack", label="Slack", description="Chat messages", tags=["chat"])
    make_pack("aws", label="AWS", description="Cloud things", tags=["cloud"])
    make_pack("demo", label="Demo", description="50% of everything")
    response = api_client.get(URL, params)
    assert response.status_code == 200
    assert [p["ref"] for p in response.json()["items"]] == expected


def test_update_pack_changes_only_fields_sent(api_client, make_pack):
    make_pack("slack", label="Slack", description="Keep", config={"a": 1}, meta={"m": 1})
    response = api_client.put(
        f"{URL}/slack", {"version": "1.1.0", "config": None, "meta": None, "conf_schema": None}
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Pack updated successfully"
    pack = Pack.objects.get(ref="slack")
    assert (pack.version, pack.label, pack.description, pack.config, pack.meta) == (
        "1.1.0",
        "Slack",
        "Keep",
        {"a": 1},
        {"m": 1},
    )


@pytest.mark.parametrize(
    "description, expected",
    [("plain", "plain"), ({"op": "set", "value": "patched"}, "patched"), ({"op": "clear"}, ""), ("", "")],
)
def test_update_pack_description_forms(api_client, make_pack, description, expected):
    make_pack("slack", description="Before")
    response = api_client.patch(f"{URL}/slack", {"description": description})
    assert response.status_code == 200
    assert Pack.objects.get(ref="slack").description == expected


def test_update_pack_rejects_bad_description_patch(api_client, make_pack):
    make_pack("slack", description="Before")
    assert_error(api_client.patch(f"{URL}/slack", {"description": {"op": "drop"}}), 400, "VALIDATION_ERROR")
    assert Pack.objects.get(ref="slack").description == "Before"


def test_update_pack_checks_config_against_stored_schema(api_client, make_pack):
    make_pack("slack", conf_schema={"port": {"type": "integer"}}, config={"port": 1})
    error = assert_error(api_client.patch(f"{URL}/slack", {"config": {"port": "x"}}), 400, "VALIDATION_ERROR")
    assert "config" in error["details"]
    assert Pack.objects.get(ref="slack").config == {"port": 1}


def test_update_pack_cannot_change_ref(api_client, make_pack):
    make_pack("slack")
    error = assert_error(api_client.put(f"{URL}/slack", {"ref": "other"}), 400, "VALIDATION_ERROR")
    assert "ref" in error["details"]
    assert Pack.objects.filter(ref="slack").exists() and not Pack.objects.filter(ref="other").exists()


def test_update_pack_not_found(api_client):
    assert_error(api_client.put(f"{URL}/ghost", {"label": "x"}), 404, "NOT_FOUND")


def test_delete_pack_cascades_to_its_workflows(api_client, make_workflow):
    make_workflow("slack.one")
    make_workflow("slack.two")
    make_workflow("demo.stays")
    response = api_client.delete(f"{URL}/slack")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Pack 'slack' deleted successfully with its 2 workflows",
    }
    assert not Pack.objects.filter(ref="slack").exists()
    assert list(Workflow.objects.values_list("ref", flat=True)) == ["demo.stays"]


def test_delete_pack_not_found(api_client):
    assert_error(api_client.delete(f"{URL}/ghost"), 404, "NOT_FOUND")


@pytest.mark.parametrize("rows", [1, 50])
def test_pack_list_query_count_does_not_grow_with_rows(api_client, django_assert_num_queries, rows):
    packs = Pack.objects.bulk_create(Pack(ref=f"p{i}", label=f"P{i}", version="1.0.0") for i in range(rows))
    Workflow.objects.bulk_create(
        Workflow(ref=f"{p.ref}.w", pack=p, label="W", version="1.0.0", definition={"tasks": [{"name": "a"}]})
        for p in packs
    )
    # user lookup + count + page (workflow_count is an annotation)
    with django_assert_num_queries(3):
        response = api_client.get(URL, {"page_size": 100})
    assert [p["workflow_count"] for p in response.json()["items"]] == [0] + [1] * rows  # core first


@pytest.mark.parametrize("rows", [1, 50])
def test_pack_detail_query_count_does_not_grow_with_workflows(
    api_client, make_pack, django_assert_num_queries, rows
):
    pack = make_pack("bulk")
    Workflow.objects.bulk_create(
        Workflow(
            ref=f"bulk.w{i}", pack=pack, label="W", version="1.0.0", definition={"tasks": [{"name": "a"}]}
        )
        for i in range(rows)
    )
    # user lookup + pack + its workflows
    with django_assert_num_queries(3):
        response = api_client.get(f"{URL}/bulk")
    assert len(response.json()["data"]["workflows"]) == rows


def test_secret_config_values_are_masked_in_responses(api_client, make_pack):
    make_pack(
        "vault",
        conf_schema={"token": {"type": "string", "secret": True}, "url": {"type": "string"}},
        config={"token": "s3cr3t", "url": "https://vault"},
    )
    data = api_client.get(f"{URL}/vault").json()["data"]
    assert data["config"] == {"token": "********", "url": "https://vault"}
    assert Pack.objects.get(ref="vault").config["token"] == "s3cr3t"


def test_secret_masking_reads_json_schema_write_only(api_client, make_pack):
    make_pack(
        "vault",
        conf_schema={"type": "object", "properties": {"token": {"type": "string", "writeOnly": True}}},
        config={"token": "s3cr3t"},
    )
    assert api_client.get(f"{URL}/vault").json()["data"]["config"] == {"token": "********"}


def test_flat_schema_may_name_a_parameter_properties(api_client):
    body = {
        "ref": "odd",
        "label": "Odd",
        "version": "1.0.0",
        "conf_schema": {"properties": {"type": "string"}, "$ref": {"type": "string"}},
        "config": {"properties": "x"},
    }
    assert api_client.post(URL, body).status_code == 201
    assert Pack.objects.get(ref="odd").config == {"properties": "x"}


def test_list_rows_match_the_summary_serializer(api_client, make_workflow):
    # The list is built from .values() for speed; it must stay the documented shape.
    from django.db.models import Count

    from packs.serializers import PackSummarySerializer

    make_workflow("slack.flow")
    Pack.objects.filter(ref="slack").update(tags=["chat"], description="d")
    item = api_client.get(URL, {"q": "slack"}).json()["items"][0]
    pack = Pack.objects.annotate(workflow_count=Count("workflows")).get(ref="slack")
    assert item == dict(PackSummarySerializer(pack).data)
