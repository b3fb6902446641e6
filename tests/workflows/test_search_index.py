"""`?search=` and `?pack_ref=`: the same rows on both databases, and on PostgreSQL through
the indexes of workflows 0007 / actions 0004 (attune.filters.search_filter)."""

import pytest
from django.db import connection

from actions.models import Action
from attune.filters import search_filter
from packs.models import Pack
from tests.conftest import DEFINITION
from workflows.models import Workflow

ROWS = [
    # ref suffix, label, description, tags
    ("quote", 'Say "hi"', "", ['greet "all"']),
    ("slash", "Path", r"C:\temp\logs", [r"win\share"]),
    ("unicode", "Café déploiement", "ÉTÉ rollout", ["naïve", "日本"]),
    ("empty", "Blank description", "", []),
    ("tagged", "Plain", "nothing here", ["incident-review", "Ops"]),
]
TERMS = [
    '"hi"',
    '"all"',
    "\\temp",
    "win\\",
    "café",
    "CAFÉ",
    "été",
    "naïve",
    "日本",
    "blank",
    "ops",
    "REVIEW",
    "here",
    "zz",
    "e\nP",
    "%",
    "_",
]


@pytest.fixture
def catalogue(db):
    pack = Pack.objects.create(ref="srch", label="Search", version="1.0.0")
    Workflow.objects.bulk_create(
        Workflow(
            ref=f"srch.{ref}",
            pack=pack,
            label=label,
            description=description,
            version="1.0.0",
            definition=DEFINITION,
            tags=tags,
        )
        for ref, label, description, tags in ROWS
    )
    return pack


def per_field(value: str) -> list[str]:
    # The filter SQLite runs: no indexed text, only the per-field test.
    return sorted(Workflow.objects.filter(search_filter(value, "sqlite")).values_list("ref", flat=True))


def expected(value: str) -> list[str]:
    folded = value.casefold()
    return sorted(
        f"srch.{ref}"
        for ref, label, description, tags in ROWS
        if any(folded in text.casefold() for text in (label, description, f"srch.{ref}", *tags))
    )


@pytest.mark.parametrize("term", TERMS)
def test_search_gives_the_same_rows_through_the_index_and_per_field(catalogue, term):
    indexed = sorted(
        Workflow.objects.filter(search_filter(term, connection.vendor)).values_list("ref", flat=True)
    )
    assert indexed == per_field(term)
    if connection.vendor == "postgresql" or term.isascii():
        # SQLite's LIKE folds ASCII case only; PostgreSQL's UPPER folds every letter.
        assert indexed == expected(term)


def test_search_through_the_api_escaped_terms(api_client, catalogue):
    for term, refs in [('"hi"', ["srch.quote"]), ("\\temp", ["srch.slash"]), ("naïve", ["srch.unicode"])]:
        response = api_client.get("/api/v1/workflows", {"search": term})
        assert response.status_code == 200
        assert [item["ref"] for item in response.json()["items"]] == refs


def plan_for(queryset) -> str:
    with connection.cursor() as cursor:
        # A tiny table is cheaper to scan: forbid it, so the plan shows whether an index serves.
        # Fresh statistics, or what the planner assumes depends on what ran before in the suite.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"ANALYZE {queryset.model._meta.db_table}")
        return queryset.explain()


@pytest.mark.parametrize(
    ("model", "index"), [(Workflow, "workflow_search_trgm"), (Action, "action_search_trgm")]
)
def test_search_uses_the_trigram_index_on_postgresql_and_plain_like_on_sqlite(catalogue, model, index):
    queryset = model.objects.filter(search_filter("incident", connection.vendor))
    sql = str(queryset.query)
    if connection.vendor == "postgresql":
        # Unordered: on a tiny table the planner may rather walk the ordering index.
        plan = plan_for(queryset.order_by())
        assert index in plan
        assert f"Seq Scan on {model._meta.db_table}" not in plan
        # A term jsonb would escape skips the indexed text (it may not appear verbatim there).
        assert "attune_search_text" not in str(model.objects.filter(search_filter('"', "postgresql")).query)
    else:
        assert "attune_search_text" not in sql and "LIKE" in sql


def test_search_on_an_empty_description_and_no_tags_still_matches(catalogue):
    # description is NOT NULL with default "" and tags default []: the concatenated text is
    # never NULL, so a row with neither still matches on its label.
    assert not Workflow._meta.get_field("description").null
    assert not Workflow._meta.get_field("tags").null
    assert per_field("blank") == ["srch.empty"]
    assert sorted(
        Workflow.objects.filter(search_filter("blank", connection.vendor)).values_list("ref", flat=True)
    ) == ["srch.empty"]


def test_pack_ref_filters_on_the_pack_id_through_its_index(catalogue):
    from workflows.filters import WorkflowFilter

    queryset = WorkflowFilter({"pack_ref": "srch"}, Workflow.objects.all()).qs
    assert sorted(queryset.values_list("ref", flat=True)) == sorted(f"srch.{r[0]}" for r in ROWS)
    sql = str(queryset.query)
    assert "JOIN" not in sql.upper() and "pack_id" in sql
    if connection.vendor == "postgresql":
        # On a few rows the planner may take the pack_id foreign-key index and sort; at scale it
        # takes workflow_pack_label_ref_idx (bench/scale.py shows the plan). Either way an
        # index condition on pack_id serves the filter.
        plan = plan_for(queryset.order_by("label", "ref"))
        assert "Index Cond: (pack_id = " in plan and "Seq Scan on workflows_workflow" not in plan
    assert not WorkflowFilter({"pack_ref": "nope"}, Workflow.objects.all()).qs.exists()
