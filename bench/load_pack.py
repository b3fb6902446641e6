"""Loading a 1,000-workflow pack from disk, against parsing its YAML and reading its files.

Run from the project root:

    DJANGO_SECRET_KEY=any .venv/bin/python bench/load_pack.py
    # or, with options:
    .venv/bin/python bench/load_pack.py --workflows 1000 --tasks 20 --rounds 3 --compare-workflows 100
    # on PostgreSQL (the role needs CREATEDB: a throwaway database is created, then dropped):
    DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB .venv/bin/python bench/load_pack.py

What it does, in one run:

1. Writes a generated pack to a temp dir (bench/packgen.py; the database, probe and floors
   are in bench/load_tools.py): --workflows workflows of --tasks
   tasks each, alternately standalone (`workflows/<name>.yaml`) and action-linked
   (`actions/<name>.yaml` + `actions/workflows/<name>.workflow.yaml`), each with tags,
   flat-form parameters and a chain of `core.echo` tasks whose input is a Jinja template.
2. Migrates a fresh SQLite file in the temp dir (`call_command("migrate")`). When
   DATABASE_URL names PostgreSQL, a fresh database `attune_bench_<pid>` is created and
   migrated instead (Django's test-database creation) and dropped at the end; any other
   DATABASE_URL is ignored, so no existing database is ever written to.
3. Counting round, on the fresh database, with CaptureQueriesContext on the connection:
   - first load: `read_pack` + `load_packs`, as `manage.py load_pack` does (with the stored
     load stamps, so unchanged files are not validated again);
   - second load of the unchanged files (every workflow skipped by its load stamp);
   - load after editing 10 files (5 descriptions, 5 task inputs);
   - floor: the pack's workflows deleted (untimed), then `Workflow.objects.bulk_create` of
     the same rows - the WorkflowSpec fields the first load's read_pack produced - in one
     transaction, model instances built inside the timing.
   Then the same phases for a --compare-workflows pack, to compare query counts.
4. --rounds timed rounds of the same four phases without capturing queries (Django formats
   every captured statement with its parameters, a cost the load itself does not have).
   Each round starts from emptied tables and the original files; medians are reported.
5. Prints the table and the two targets, each against a floor timed in the same round:
   - first load / YAML-parse floor (read every file and yaml.load it with libyaml's
     CSafeLoader, nothing else) against the 3x target;
   - unchanged re-load / read-and-hash floor (read every file and SHA-256 it) against the
     2x target, with 0 rows written;
   then, for scale, the first load against bulk_create, and the query count of each phase
   for both pack sizes.

Rows written are counted by the database: SQLite's total_changes on the connection, or the
rowcount of each INSERT/UPDATE/DELETE on PostgreSQL.

Exit code 1 when a correctness property fails: the first load writes other than the pack
and every workflow, the unchanged re-load writes any row, the load after the edits writes
or plans other than the 10 edited workflows, the floor inserts other than every workflow,
or a load phase needs more than 5 queries more for the large pack than for the small one.
Missing a time target is reported, not an error.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on sys.path; the imports need the project root.
sys.path[0] = str(ROOT)
PACK_REF = "bench_load"
SMALL_PACK_REF = "bench_small"

from bench.load_tools import (  # noqa: E402 - needs the path above
    CHANGED_FILES,
    BenchPack,
    Probe,
    configure_environment,
    create_database,
    describe_environment,
    drop_database,
    parse_only,
    read_hash,
)

TARGET_RATIO = 3.0  # first load / YAML-parse floor
RELOAD_TARGET_RATIO = 2.0  # unchanged re-load / read-and-hash floor
QUERY_SLACK = 5  # more queries a load phase may need for the large pack than for the small one
PHASES = ("first", "second", "changed", "floor")
LABELS = {
    "first": "first load",
    "second": "second load (unchanged)",
    "changed": f"load after changing {CHANGED_FILES} files",
    "floor": "floor: bulk_create",
}


@dataclass
class Sample:
    """One phase, once: seconds (in all, in read_pack, in the database) and rows written."""

    total: float
    read: float | None  # None for the floor, which reads nothing
    db: float
    rows: int
    queries: list[str] | None = None  # the SQL run, in the counting round only
    plan: str = ""


@dataclass
class Round:
    samples: dict[str, Sample] = field(default_factory=dict)
    parse_only: float | None = None  # the pack's files read and through libyaml, nothing else
    read_hash: float | None = None  # the pack's files read and SHA-256'd, nothing else

    def ratio(self) -> float:
        return self.samples["first"].total / self.parse_only

    def reload_ratio(self) -> float:
        return self.samples["second"].total / self.read_hash


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=1000, help="workflows in the pack")
    parser.add_argument("--tasks", type=int, default=20, help="tasks per workflow")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; medians are reported")
    parser.add_argument(
        "--compare-workflows", type=int, default=100, help="workflows in the pack compared for query counts"
    )
    parser.add_argument("--layout", choices=("mixed", "standalone", "action"), default="mixed")
    args = parser.parse_args()
    if min(args.workflows, args.compare_workflows) < CHANGED_FILES:
        parser.error(f"--workflows and --compare-workflows must be at least {CHANGED_FILES}")
    if args.tasks < 1 or args.rounds < 1:
        parser.error("--tasks and --rounds must be at least 1")
    return args


def load(pack: BenchPack, count_queries: bool):
    """`manage.py load_pack` without its printing: read the pack, then plan and apply it."""
    from packs.ondisk.loader import read_pack
    from packs.ondisk.stamps import stored_stamps
    from packs.ondisk.sync import load_packs

    with Probe(count_queries) as probe:
        started = time.perf_counter()
        spec = read_pack(pack.root, stored=stored_stamps)
        read = time.perf_counter()
        [plan] = load_packs([spec])
        finished = time.perf_counter()
    sample = Sample(finished - started, read - started, finished - read, probe.rows, probe.queries)
    sample.plan = plan.summary()
    return sample, spec, plan


def floor(spec, count_queries: bool) -> Sample:
    """bulk_create of the rows the first load wrote, into the emptied table."""
    from django.db import transaction

    from packs.models import Pack
    from workflows.models import Workflow

    pack = Pack.objects.get(ref=spec.ref)
    Workflow.objects.filter(pack=pack).delete()
    with Probe(count_queries) as probe:
        started = time.perf_counter()
        with transaction.atomic():
            Workflow.objects.bulk_create(
                [Workflow(ref=workflow.ref, pack=pack, **workflow.fields) for workflow in spec.workflows]
            )
        elapsed = time.perf_counter() - started
    return Sample(
        elapsed, None, elapsed, probe.rows, probe.queries, f"{len(spec.workflows)} workflows inserted"
    )


def run_round(pack: BenchPack, count_queries: bool, failures: list[str]) -> Round:
    """The four phases, from empty tables; the tables are emptied again at the end."""
    from packs.models import Pack
    from packs.ondisk.sync import CREATE, UPDATE

    n, ref, result = pack.shape.workflows, pack.shape.ref, Round()

    def expect(phase: str, ok: bool, message: str) -> None:
        if not ok:
            failures.append(f"{ref} {LABELS[phase]}: {message} (plan: {result.samples[phase].plan})")

    result.samples["first"], spec, plan = load(pack, count_queries)
    rows = result.samples["first"].rows
    actions = sum(pack.shape.action_linked(k) for k in range(n))  # each has its workflow action
    expect("first", plan.count(CREATE) == n, f"expected {n} workflows created")
    expected = n + actions + 1
    expect(
        "first",
        rows == expected,
        f"wrote {rows} rows, expected {expected} (the pack, {n} workflows, {actions} actions)",
    )

    result.samples["second"], _, plan = load(pack, count_queries)
    rows = result.samples["second"].rows
    expect("second", rows == 0 and plan.rows_written == 0, f"wrote {rows} rows, expected 0")

    pack.edit()
    try:
        result.samples["changed"], _, plan = load(pack, count_queries)
    finally:
        pack.restore()
    rows = result.samples["changed"].rows
    expect("changed", plan.count(UPDATE) == CHANGED_FILES, f"expected {CHANGED_FILES} workflows updated")
    expect("changed", rows == CHANGED_FILES, f"wrote {rows} rows, expected {CHANGED_FILES}")

    result.samples["floor"] = floor(spec, count_queries)
    rows = result.samples["floor"].rows
    expect("floor", rows == n, f"inserted {rows} rows, expected {n}")

    Pack.objects.filter(ref=ref).delete()  # cascades to its workflows
    return result


# --- report ------------------------------------------------------------------------------


def median(rounds: list[Round], phase: str, attribute: str) -> float | None:
    values = [getattr(r.samples[phase], attribute) for r in rounds]
    return None if values[0] is None else statistics.median(values)


def query_kinds(queries: list[str]) -> str:
    kinds = Counter(sql.lstrip().split(None, 1)[0].upper() for sql in queries)
    return ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_table(counted: Round, timed: list[Round], workflows: int) -> None:
    label = {**LABELS, "floor": f"floor: bulk_create {workflows} rows"}
    header = f"{'phase':<34}{'total s':>9}{'read_pack s':>13}{'DB s':>9}{'queries':>9}{'rows written':>14}"
    print(header)
    print("-" * len(header))
    for phase in PHASES:
        sample = counted.samples[phase]
        print(
            f"{label[phase]:<34}{seconds(median(timed, phase, 'total')):>9}"
            f"{seconds(median(timed, phase, 'read')):>13}{seconds(median(timed, phase, 'db')):>9}"
            f"{len(sample.queries):>9}{sample.rows:>14}"
        )
    print(
        "read_pack: read, parse and validate the files. DB: load_packs (plan + writes, one "
        "transaction),\nor for the floor bulk_create in one transaction. Each time column is its "
        "own median."
    )
    print("queries by kind, and the plan:")
    for phase in PHASES:
        sample = counted.samples[phase]
        print(f"  {LABELS[phase]}: {len(sample.queries)} = {query_kinds(sample.queries)}; {sample.plan}")


def report_ratios(timed: list[Round], counted: Round) -> None:
    first, floor_time = median(timed, "first", "total"), median(timed, "floor", "total")
    parse = statistics.median(r.parse_only for r in timed)
    ratio = statistics.median(r.ratio() for r in timed)
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(
        f"first load / YAML-parse floor ({parse:.3f} s: read + yaml.load every file): {ratio:.1f}x "
        f"(target <= {TARGET_RATIO:g}x, {verdict} it); per round: {', '.join(f'{r.ratio():.1f}x' for r in timed)}"
    )
    hashing = statistics.median(r.read_hash for r in timed)
    reload_ratio = statistics.median(r.reload_ratio() for r in timed)
    rows = counted.samples["second"].rows
    verdict = "meets" if reload_ratio <= RELOAD_TARGET_RATIO and rows == 0 else "MISSES"
    print(
        f"unchanged re-load / read-and-hash floor ({hashing:.3f} s: read + SHA-256 every file): "
        f"{reload_ratio:.1f}x, {rows} rows written (target <= {RELOAD_TARGET_RATIO:g}x and 0 rows, "
        f"{verdict} it); per round: {', '.join(f'{r.reload_ratio():.1f}x' for r in timed)}"
    )
    db_ratio = median(timed, "first", "db") / floor_time
    share = median(timed, "first", "read") / first
    print(
        f"  for scale, not a target: first load / bulk_create floor {first / floor_time:.1f}x; its DB part "
        f"(load_packs) / floor {db_ratio:.1f}x; read_pack is {share:.0%} of the first load"
    )


def report_query_growth(small: Round, large: Round, sizes: tuple[int, int], failures: list[str]) -> None:
    print(f"query count by pack size (counting round; a load phase may grow by at most {QUERY_SLACK}):")
    header = f"{'phase':<34}{f'{sizes[0]} wf':>9}{f'{sizes[1]} wf':>10}{'growth':>8}"
    print(header)
    print("-" * len(header))
    for phase in PHASES:
        few, many = len(small.samples[phase].queries), len(large.samples[phase].queries)
        growth = many - few
        if phase == "floor":
            verdict = "(the floor: not checked)"
        elif growth > QUERY_SLACK:
            verdict = "FAIL"
            failures.append(
                f"{LABELS[phase]}: {many} queries for {sizes[1]} workflows vs {few} for {sizes[0]} "
                f"(+{growth}, more than +{QUERY_SLACK})"
            )
        else:
            verdict = "ok"
        print(f"{LABELS[phase]:<34}{few:>9}{many:>10}{growth:>+8}  {verdict}")


# --- main --------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace, workdir: Path) -> int:
    configure_environment(workdir)
    import django

    django.setup()
    original_db = create_database()
    try:
        return measure(args, workdir)
    finally:
        drop_database(original_db)


def measure(args: argparse.Namespace, workdir: Path) -> int:
    failures: list[str] = []
    print("\n".join(describe_environment(args)), flush=True)
    started = time.perf_counter()
    large = BenchPack(workdir / PACK_REF, PACK_REF, args.workflows, args.tasks, args.layout)
    small = BenchPack(
        workdir / SMALL_PACK_REF, SMALL_PACK_REF, args.compare_workflows, args.tasks, args.layout
    )
    print(large.describe())
    print(f"{small.describe()}  (query counts only)")
    print(f"Generated both in {time.perf_counter() - started:.1f} s", flush=True)

    started = time.perf_counter()
    counted = run_round(large, True, failures)
    counted_small = run_round(small, True, failures)
    print(
        f"counting round (fresh database, queries captured): {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    timed = []
    for number in range(1, args.rounds + 1):
        timed.append(run_round(large, False, failures))
        timed[-1].parse_only = parse_only(large)
        timed[-1].read_hash = read_hash(large)
        times = ", ".join(f"{phase} {timed[-1].samples[phase].total:.3f} s" for phase in PHASES)
        print(f"timed round {number}: {times}", flush=True)

    print()
    report_table(counted, timed, args.workflows)
    print()
    report_ratios(timed, counted)
    print()
    report_query_growth(counted_small, counted, (args.compare_workflows, args.workflows), failures)
    print()
    if failures:
        print("FAILED:\n" + "\n".join(f"  {failure}" for failure in dict.fromkeys(failures)))
        return 1
    print(
        f"OK: unchanged re-load wrote 0 rows; {CHANGED_FILES} edited files wrote {CHANGED_FILES} rows; "
        "load query counts do not grow with the workflow count"
    )
    return 0


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="attune-bench-load-") as workdir:
        code = benchmark(args, Path(workdir))
    sys.exit(code)


if __name__ == "__main__":
    main()
