"""bench/load_pack.py's tools: the throwaway database, the generated pack, the probe that
counts rows and queries, and the two floors (YAML parse, read and hash)."""

import argparse
import contextlib
import gc
import io
import os
import secrets
import sys
import time
from pathlib import Path

CHANGED_FILES = 10  # files edited before the third load


# --- environment and database ------------------------------------------------------------


def configure_environment(workdir: Path) -> None:
    """Attune's settings, DEBUG off, and a throwaway database (see the module docstring)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "attune.settings"
    # DEBUG on keeps every query in memory: not what runs in production.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(32))


def create_database() -> str:
    """Migrate the fresh SQLite file, or create and migrate a PostgreSQL database.

    Returns the name to restore when dropping the PostgreSQL database ("" for SQLite).
    """
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", interactive=False, verbosity=0)
        return ""
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"attune_bench_{os.getpid()}"
    # Runs migrate, then createcachetable, which says the migrated cache table exists: hush it.
    with contextlib.redirect_stdout(io.StringIO()):
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original


def drop_database(original: str) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        connection.creation.destroy_test_db(original, verbosity=0)


def describe_environment(args: argparse.Namespace) -> list[str]:
    import django
    import yaml
    from django.db import connection

    from workflows.models import Workflow

    if connection.vendor == "sqlite":
        import sqlite3

        # Django caps a statement at features.max_query_params; bulk_create splits by it.
        fields = [f for f in Workflow._meta.concrete_fields if not f.primary_key]
        per_insert = connection.ops.bulk_batch_size(fields, [])
        db = (
            f"SQLite {sqlite3.sqlite_version}, fresh file {connection.settings_dict['NAME']}; "
            f"bulk_create puts {per_insert} workflows in one INSERT "
            f"({connection.features.max_query_params} parameters)"
        )
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        db = f"PostgreSQL {version}, fresh database {connection.settings_dict['NAME']}"
    return [
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, PyYAML {yaml.__version__} "
        f"(libyaml {'present' if yaml.__with_libyaml__ else 'absent'}); CPUs: {os.cpu_count()}",
        f"DB: {db}",
        f"Timing: {args.rounds} timed round(s), medians; queries and rows from the counting round",
    ]


# --- the pack on disk --------------------------------------------------------------------


class BenchPack:
    """A generated pack in a directory, with the edits of the third load and their undoing."""

    def __init__(self, root: Path, ref: str, workflows: int, tasks: int, layout: str):
        from bench.packgen import PackShape, write_files

        self.root, self.shape, self._write = root, PackShape(ref, workflows, tasks, layout), write_files
        self.files = self.shape.files()
        self.edits = self.shape.edits(CHANGED_FILES)
        self._write(root, self.files)

    def edit(self) -> None:
        for n, what in self.edits.items():
            self._write(self.root, self.shape.workflow_files(n, edit=what))

    def restore(self) -> None:
        for n in self.edits:
            self._write(self.root, self.shape.workflow_files(n))

    def describe(self) -> str:
        shape = self.shape
        linked = sum(shape.action_linked(n) for n in range(shape.workflows))
        size = sum(len(text.encode()) for text in self.files.values())
        return (
            f"Pack {shape.ref}: {shape.workflows} workflows x {shape.tasks} tasks, layout {shape.layout} "
            f"({shape.workflows - linked} standalone, {linked} action-linked), "
            f"{len(self.files)} files, {size / 1e6:.1f} MB"
        )


# --- measuring ---------------------------------------------------------------------------


class Probe:
    """What the database did inside a `with` block: rows written and, if asked, the SQL."""

    def __init__(self, count_queries: bool):
        self.count_queries = count_queries
        self.rows = 0
        self.queries: list[str] | None = None

    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        connection.ensure_connection()  # connecting is not part of any phase
        self._stack = contextlib.ExitStack()
        self._captured = (
            self._stack.enter_context(CaptureQueriesContext(connection)) if self.count_queries else None
        )
        if connection.vendor == "sqlite":
            self._changes = connection.connection.total_changes
        else:
            self._stack.enter_context(connection.execute_wrapper(self._count_rows))
        gc.collect()  # garbage of earlier phases is not collected on this phase's time
        return self

    def __exit__(self, *exc_info):
        from django.db import connection

        self._stack.__exit__(*exc_info)
        if connection.vendor == "sqlite":
            self.rows = connection.connection.total_changes - self._changes
        if self._captured is not None:
            self.queries = [query["sql"] for query in self._captured.captured_queries]
        return False

    def _count_rows(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.rows += max(context["cursor"].rowcount, 0)
        return result


def parse_only(pack: BenchPack) -> float:
    """Seconds to read the pack's files and yaml.load them (libyaml's CSafeLoader when PyYAML
    has it, as the loader uses): no checks, no rows."""
    import yaml

    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    paths = [pack.root / relative for relative in pack.files]
    gc.collect()
    started = time.perf_counter()
    for path in paths:
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    return time.perf_counter() - started


def read_hash(pack: BenchPack) -> float:
    """Seconds to read every file of the pack and SHA-256 it: what an unchanged re-load must do."""
    import hashlib

    paths = [pack.root / relative for relative in pack.files]
    gc.collect()
    started = time.perf_counter()
    for path in paths:
        hashlib.sha256(path.read_bytes()).hexdigest()
    return time.perf_counter() - started
