"""The tag filter runs in the database, and on PostgreSQL through the GIN index."""

from django.db import connection

from packs.models import Pack
from tests.conftest import DEFINITION
from workflows.models import Workflow


def plan_for(queryset) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny table is cheaper to scan, and a plain scan of another index can look
            # cheap too; forbid both, so the plan shows whether an index serves the filter.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        return queryset.explain()


def test_tag_filter_uses_the_gin_index_on_postgresql_and_json_each_on_sqlite(db):
    pack = Pack.objects.create(ref="idx", label="Idx", version="1.0.0")
    Workflow.objects.bulk_create(
        Workflow(
            ref=f"idx.w{i}", pack=pack, label="W", version="1.0.0", definition=DEFINITION, tags=[f"t{i}"]
        )
        for i in range(20)
    )
    queryset = Workflow.objects.filter(tags__any_tag=["t3", "t7"])
    assert sorted(queryset.values_list("ref", flat=True)) == ["idx.w3", "idx.w7"]
    if connection.vendor == "postgresql":
        assert "workflow_tags_gin" in plan_for(queryset)
    else:
        assert "json_each" in str(queryset.query)


def test_pack_tag_filter_uses_its_gin_index_on_postgresql(db):
    Pack.objects.bulk_create(Pack(ref=f"p{i}", label="P", version="1.0.0", tags=[f"t{i}"]) for i in range(20))
    queryset = Pack.objects.filter(tags__any_tag=["t4"])
    assert list(queryset.values_list("ref", flat=True)) == ["p4"]
    if connection.vendor == "postgresql":
        assert "pack_tags_gin" in plan_for(queryset)
    else:
        assert "json_each" in str(queryset.query)
