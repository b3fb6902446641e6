"""The workflow and action list filters at 1,000 and at 100,000 rows on PostgreSQL.

Run from the project root:

    DJANGO_SECRET_KEY=any .venv/bin/python bench/scale.py \\
        --database-url postgres://attune@127.0.0.1:55432/postgres
    # or DATABASE_URL=postgres://...; --db-prefix hb_ names the databases hb_attune_scale_<pid>_<rows>

What it does:

1. Creates one throwaway database per size (`<prefix>attune_scale_<pid>_<rows>`, dropped at the
   end unless --keep): migrates the first, copies it as a template for the others, then seeds
   each with ~100 packs and that many workflows and actions (bulk_create in batches; labels,
   descriptions and tags drawn from bench.data's vocabulary, one tag on ~90% of the rows),
   and runs VACUUM ANALYZE, as autovacuum would on a settled table.
2. For every documented filter, requests the real list endpoint through Django's test client
   (JWT auth, default page size, page 1) and times the whole request and, through an execute
   wrapper, the SQL of the list's count and page queries (the auth query is left out).
   Sizes alternate over --rounds rounds so machine noise hits both alike; medians are kept.
   With --keep the databases are named `<prefix>attune_scale_<rows>` and kept; --reuse then
   measures them again without creating or seeding (seeding 100,000 rows takes a while).
3. Prints per filter: request ms at each size and their ratio against the 2.0 target, the SQL
   ms of count + page at each size, the size's floor ratio (request / the floor query, an
   unfiltered page-1 primary-key SELECT measured in the same run) and the plan's scan nodes
   (EXPLAIN of the count and the page query).

The exit code is non-zero only for a broken setup (no PostgreSQL, a non-200, a wrong count);
a missed target is reported, not fatal.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path; the imports need the project root.
sys.path[0] = str(ROOT)

TARGET_RATIO = 2.0
BROAD_TAG = "ops"  # on ~90% of the rows
RARE_TAG = "legacy"  # on ~1%
# `search` cases: a term in a fixed number of rows whatever the size (someone looking for
# one system), a word in ~1% of the rows, and a word in ~10%.
SEARCH_TERMS = {
    "search=ledger-7": "ledger-7",
    "search=quarantine": "quarantine",
    "search=certificate": "certificate",
}
FILTERS = [
    "",
    "enabled=true",
    "enabled=false",
    "pack_ref=pack042",
    "pack_ref=no-such-pack",
    f"tags={BROAD_TAG}",
    f"tags={RARE_TAG}",
    *SEARCH_TERMS,
    "search=50%_off",  # LIKE's wildcards are literal: matches nothing
    # The broad filters without their count, where the list takes include_total=false; a list
    # that does not know the parameter ignores it and counts (the rows column then says so).
    *(
        f"{query}&include_total=false"
        for query in (f"tags={BROAD_TAG}", "search=certificate", "enabled=true")
    ),
]
ENDPOINTS = {"workflows": "/api/v1/workflows", "actions": "/api/v1/actions"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL"), help="any database on the server"
    )
    parser.add_argument("--db-prefix", default="", help="prefix of the throwaway databases' names")
    parser.add_argument(
        "--sizes", default="1000,100000", help="comma-separated row counts; the first is the base"
    )
    parser.add_argument("--packs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per filter per round")
    parser.add_argument("--endpoints", default="workflows,actions")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases, named <prefix>attune_scale_<rows>"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the databases a --keep run left, unseeded"
    )
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url (or DATABASE_URL) must be a postgres:// URL")
    return args


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "attune.settings"
    # DEBUG on keeps every query in memory: not what production runs.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-that-is-long-enough-for-hmac")
    import django

    django.setup()


# --- databases ---------------------------------------------------------------------------


def use_database(name: str) -> None:
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


def server_statement(sql: str) -> None:
    """CREATE/DROP DATABASE, from the database the URL names (they cannot run inside it)."""
    from django.db import connections

    with connections["admin"].cursor() as cursor:
        cursor.execute(sql)


def create_databases(names: list[str]) -> None:
    from django.core.management import call_command
    from django.db import connections

    server_statement(f'CREATE DATABASE "{names[0]}"')
    use_database(names[0])
    call_command("migrate", verbosity=0, interactive=False)
    connections["default"].close()
    for name in names[1:]:
        server_statement(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')


def drop_databases(names: list[str]) -> None:
    from django.db import connections

    connections["default"].close()
    for name in names:
        server_statement(f'DROP DATABASE IF EXISTS "{name}"')


# --- data --------------------------------------------------------------------------------


def seed(rows: int, packs: int) -> str:
    """Packs, `rows` workflows and `rows` actions, a user; returns the user's bearer token."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from actions.models import Action
    from packs.models import Pack
    from workflows.models import Workflow

    rng = random.Random(rows)
    pack_rows = Pack.objects.bulk_create(
        Pack(ref=f"pack{n:03d}", label=f"Pack {n:03d}", version="1.0.0") for n in range(packs)
    )
    specs = [row_spec(rng, n, pack_rows[n % packs]) for n in range(rows)]
    copy_rows(Workflow, (Workflow(**spec, **workflow_extra(rng, spec)) for spec in specs))
    copy_rows(Action, (Action(**spec, runner_type="python", entry_point="run.py") for spec in specs))
    user = get_user_model().objects.create_user("bench")  # no password: the token authenticates
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return str(RefreshToken.for_user(user).access_token)


def bench_token() -> str:
    """The token of the user a kept database was seeded with."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(get_user_model().objects.get(username="bench")).access_token)


def copy_rows(model, objects) -> None:
    """Insert with COPY: bulk_create's parameter lists make 100,000 rows take a minute.

    Each value goes through its field's own pre_save and get_db_prep_save, as bulk_create's
    would (defaults, auto_now, jsonb adaptation), so the rows are the ones the ORM writes.
    """
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def row_spec(rng: random.Random, n: int, pack) -> dict:
    from bench.data import NOUNS, TAGS, VERBS

    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    word = "quarantine" if rng.random() < 0.01 else rng.choice(["the", "every", "each", "one"])
    system = "ledger-7" if n % 1000 == 7 else f"system-{rng.randrange(10_000)}"
    tags = rng.sample(TAGS[1:], rng.randint(1, 3))
    if rng.random() < 0.9:
        tags.insert(0, BROAD_TAG)
    if rng.random() < 0.01:
        tags.append(RARE_TAG)
    return {
        "ref": f"{pack.ref}.{verb}_{noun}_{n}",
        "pack": pack,
        "label": f"{verb.title()} {noun} {n}",
        "description": f"{verb.title()} {word} {noun} of {system} and report the outcome to on-call.",
        "tags": tags,
        "enabled": rng.random() < 0.9,
    }


def workflow_extra(rng: random.Random, spec: dict) -> dict:
    from bench.data import make_definition

    verb, noun = spec["label"].lower().split()[:2]
    return {"version": "1.0.0", "definition": make_definition(rng, verb, noun)}


# --- measuring ---------------------------------------------------------------------------


class QueryTimer:
    """An execute wrapper noting each query's SQL, parameters and seconds."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, time.perf_counter() - start))

    def list_queries(self, table: str) -> list:
        """The count and the page query (not the auth user's)."""
        return [q for q in self.queries if f'FROM "{table}"' in q[0]]


def time_request(client, path: str, token: str, table: str) -> tuple[float, float, list, dict]:
    from django.db import connection

    timer = QueryTimer()
    with connection.execute_wrapper(timer):
        start = time.perf_counter()
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(
            f"broken setup: GET {path} answered {response.status_code}: {response.content[:300]!r}"
        )
    queries = timer.list_queries(table)
    return elapsed, sum(q[2] for q in queries), queries, response.json()


def time_floor(table: str, repeat: int) -> float:
    """The cheapest honest page 1: 50 rows by primary key, no count, no filter, no auth."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            cursor.execute(f'SELECT "id", "ref", "label" FROM "{table}" ORDER BY "id" LIMIT 50')  # noqa: S608
            cursor.fetchall()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def plan_summary(queries: list) -> str:
    """The scan nodes of each query's plan, e.g. `count: Bitmap Index Scan on x`."""
    from django.db import connection

    parts = []
    with connection.cursor() as cursor:
        for sql, params, _ in queries:
            # Without include_total the page query is the only one.
            label = "count" if "COUNT(" in sql else "page"
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            parts.append(f"{label}: {', '.join(dict.fromkeys(scan_nodes(plan[0]['Plan'])))}")
    return "; ".join(parts)


def scan_nodes(node: dict) -> list[str]:
    found = []
    # Function scans are the per-row tag unnesting, not a way into the table.
    if "Scan" in node["Node Type"] and node["Node Type"] != "Function Scan":
        target = node.get("Index Name") or node.get("Relation Name") or ""
        found.append(f"{node['Node Type']} on {target}")
    for child in node.get("Plans", []):
        found.extend(scan_nodes(child))
    return found


def expected_total(rows: int, query: str, specs_check: dict) -> None:
    """Sanity checks that make a wrong setup fail instead of timing the wrong thing."""
    if query == "" and specs_check["total"] < rows:
        raise SystemExit(f"broken setup: {rows} rows seeded, the list counts {specs_check['total']}")
    if query in ("pack_ref=no-such-pack", "search=50%_off") and specs_check["total"] != 0:
        raise SystemExit(f"broken setup: {query} matched {specs_check['total']} rows")


def measure(sizes, names, tokens, endpoints, rounds, repeat) -> dict:
    from django.test import Client

    client = Client()
    samples = {}  # (endpoint, filter, size) -> {"request": [...], "sql": [...], ...}
    for _ in range(rounds):
        for size, name in zip(sizes, names, strict=True):
            use_database(name)
            for endpoint in endpoints:
                table = f"{endpoint}_{endpoint[:-1]}"
                floor = samples.setdefault((endpoint, "floor", size), {"request": []})
                floor["request"].append(time_floor(table, repeat))
                for query in FILTERS:
                    path = f"{ENDPOINTS[endpoint]}?{query}"
                    entry = samples.setdefault((endpoint, query, size), {"request": [], "sql": []})
                    _, _, queries, body = time_request(client, path, tokens[name], table)  # warm-up
                    entry["total"] = body.get("pagination", {}).get("total_items")
                    expected_total(size, query, {"total": entry["total"]})
                    entry["plan"] = plan_summary(queries)
                    for _ in range(repeat):
                        elapsed, sql, _, _ = time_request(client, path, tokens[name], table)
                        entry["request"].append(elapsed)
                        entry["sql"].append(sql)
    return samples


def report(samples: dict, sizes: list[int], endpoints: list[str]) -> None:
    base, top = sizes[0], sizes[-1]
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    print(
        f"\nPostgreSQL, page 1 (default page size), medians; ratio = {top:,} rows / {base:,} rows, target <= {TARGET_RATIO}"
    )
    for endpoint in endpoints:
        floors = {size: ms(samples[(endpoint, "floor", size)]["request"]) for size in sizes}
        print(
            f"\n{endpoint}: floor (page-1 primary-key SELECT) {floors[base]:.2f} ms at {base:,}, {floors[top]:.2f} ms at {top:,}"
        )
        header = (
            f"{'filter':<38} {'rows@' + str(top):>12} {'req ms ' + str(base):>12} {'req ms ' + str(top):>13} "
            f"{'ratio':>6} {'target':>7} {'sql ms':>15} {'x floor':>13}  plan at {top:,}"
        )
        print(header)
        for query in FILTERS:
            small, large = samples[(endpoint, query, base)], samples[(endpoint, query, top)]
            ratio = ms(large["request"]) / ms(small["request"])
            verdict = "met" if ratio <= TARGET_RATIO else "MISSED"
            rows = "not counted" if large["total"] is None else f"{large['total']:,}"
            print(
                f"{query or '(none)':<38} {rows:>12} {ms(small['request']):>12.2f} {ms(large['request']):>13.2f} "
                f"{ratio:>6.2f} {verdict:>7} {ms(small['sql']):>6.2f}/{ms(large['sql']):>7.2f} "
                f"{ms(small['request']) / floors[base]:>6.1f}/{ms(large['request']) / floors[top]:>6.1f}  {large['plan']}"
            )


def main() -> None:
    args = parse_args()
    # A short bench key and the uncollected static files are fine here; their warnings are noise.
    warnings.filterwarnings("ignore", message=".*HMAC key.*|No directory at.*")
    setup_django(args.database_url)
    from django.conf import settings
    from django.db import connections

    admin = dict(settings.DATABASES["default"])
    settings.DATABASES["admin"] = admin
    connections.settings["admin"] = admin
    if connections["default"].vendor != "postgresql":
        raise SystemExit("broken setup: this benchmark is for PostgreSQL")
    sizes = [int(size) for size in args.sizes.split(",")]
    endpoints = args.endpoints.split(",")
    # Kept databases get stable names so that a later --reuse run finds them.
    run = "" if args.keep or args.reuse else f"{os.getpid()}_"
    names = [f"{args.db_prefix}attune_scale_{run}{size}" for size in sizes]
    started = time.perf_counter()
    if not args.reuse:
        create_databases(names)
    try:
        tokens = {}
        for size, name in zip(sizes, names, strict=True):
            use_database(name)
            if args.reuse:
                tokens[name] = bench_token()
                continue
            seed_start = time.perf_counter()
            tokens[name] = seed(size, args.packs)
            print(
                f"seeded {size:,} workflows and actions over {args.packs} packs in {time.perf_counter() - seed_start:.1f} s"
            )
        samples = measure(sizes, names, tokens, endpoints, args.rounds, args.repeat)
        report(samples, sizes, endpoints)
    finally:
        if args.keep or args.reuse:
            print(f"\nkept databases: {', '.join(names)}")
        else:
            drop_databases(names)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
