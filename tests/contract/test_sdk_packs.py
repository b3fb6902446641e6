"""Attune's client lists, reads, creates, updates and deletes packs, unmodified."""

import pytest

from packs.models import Pack
from tests.contract.conftest import SdkFailed


def test_sdk_lists_packs_a_page_at_a_time(run_sdk, root_token, make_pack):
    for ref in ("alpha", "beta", "gamma"):
        make_pack(ref)
    result = run_sdk("list_packs_page", token=root_token, page=2, page_size=2)
    assert result["refs"] == ["core", "gamma"]  # core: installed by migrate
    assert result["pagination"] == {
        "page": 2,
        "page_size": 2,
        "total_items": 4,
        "total_pages": 2,
        "has_next": False,
        "has_previous": True,
    }


def test_sdk_searches_packs(run_sdk, root_token, make_pack):
    make_pack("network", description="Routers and switches")
    make_pack("billing")
    assert run_sdk("search_packs", token=root_token, q="switches")["refs"] == ["network"]


def test_sdk_reads_a_pack(run_sdk, root_token, make_pack):
    make_pack("network", description="Routers", tags=["net"], dependencies=["demo"], config={"region": "eu"})
    result = run_sdk("get_one_pack", token=root_token, ref="network")
    assert result["ref"] == "network" and result["id"] == Pack.objects.get(ref="network").id
    assert (result["description"], result["tags"], result["dependencies"]) == ("Routers", ["net"], ["demo"])
    assert result["config"] == {"region": "eu"}


def test_sdk_gets_nothing_for_an_unknown_pack(run_sdk, root_token):
    assert run_sdk("get_missing_pack", token=root_token, ref="nosuch") == {"status": 404}


def test_sdk_creates_a_pack(run_sdk, root_token):
    body = {
        "ref": "network",
        "label": "Network",
        "version": "1.2.0",
        "tags": ["net"],
        "meta": {"owner": "sre"},
    }
    result = run_sdk("create_a_pack", token=root_token, body=body)
    pack = Pack.objects.get(ref="network")
    assert (result["id"], result["label"], result["version"]) == (pack.id, "Network", "1.2.0")
    assert (pack.tags, pack.meta) == (["net"], {"owner": "sre"})


def test_sdk_create_of_an_existing_ref_fails(run_sdk, root_token, make_pack):
    make_pack("network", label="Original")
    with pytest.raises(SdkFailed, match="409"):
        run_sdk(
            "create_a_pack", token=root_token, body={"ref": "network", "label": "Copy", "version": "1.0.0"}
        )
    assert Pack.objects.get(ref="network").label == "Original"


def test_sdk_updates_only_the_fields_it_sets(run_sdk, root_token, make_pack):
    make_pack("network", label="Network", config={"region": "eu"}, meta={"owner": "sre"})
    body = {"label": "Networking", "description": {"op": "set", "value": "Routers"}}
    result = run_sdk("update_a_pack", token=root_token, ref="network", body=body)
    assert (result["label"], result["description"]) == ("Networking", "Routers")
    pack = Pack.objects.get(ref="network")
    assert (pack.label, pack.description) == ("Networking", "Routers")
    assert (pack.config, pack.meta, pack.version) == ({"region": "eu"}, {"owner": "sre"}, "1.0.0")


def test_sdk_update_of_an_unknown_pack_fails(run_sdk, root_token):
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("update_a_pack", token=root_token, ref="nosuch", body={"label": "X"})
    assert not Pack.objects.exclude(ref="core").exists()


def test_sdk_deletes_a_pack(run_sdk, root_token, make_pack):
    make_pack("network")
    make_pack("billing")
    assert run_sdk("delete_a_pack", token=root_token, ref="network")["message"]
    assert list(Pack.objects.exclude(ref="core").values_list("ref", flat=True)) == ["billing"]


def test_sdk_delete_of_an_unknown_pack_fails(run_sdk, root_token, make_pack):
    make_pack("network")
    with pytest.raises(SdkFailed, match="404"):
        run_sdk("delete_a_pack", token=root_token, ref="nosuch")
    assert Pack.objects.filter(ref="network").exists()
