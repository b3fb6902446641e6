from django.core.management.base import BaseCommand, CommandError

from executions.management.commands.build_pack_env import build_envs
from packs.management.commands._packargs import pack_dirs, read_all, report_failures
from packs.models import Pack
from packs.ondisk.loader import PackInvalid
from packs.ondisk.stamps import stored_stamps
from packs.ondisk.sync import load_packs


class Command(BaseCommand):
    help = "Load pack directories into the database: print the plan, then apply it in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="pack directories (each with a pack.yaml)")
        parser.add_argument("--all", metavar="DIR", help="load every pack directory under DIR")
        parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
        parser.add_argument(
            "--no-prune", action="store_true", help="keep workflows and actions no longer on disk"
        )
        parser.add_argument(
            "--build-envs", action="store_true", help="then build each pack's Python environment"
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="validate every file, also those unchanged since they were loaded (see docs/packs.md)",
        )

    def handle(self, *args, **options):
        stored = None if options["full"] else stored_stamps
        specs, failures = read_all(pack_dirs(options["paths"], options["all"]), self.stdout, stored)
        if failures:
            report_failures(self.stdout, self.style, failures)
            raise CommandError(f"{len(failures)} pack(s) invalid; nothing was written")
        try:
            plans = load_packs(specs, prune=not options["no_prune"], dry_run=options["dry_run"])
        except PackInvalid as exc:
            report_failures(self.stdout, self.style, [exc])
            raise CommandError("nothing was written") from None
        for plan in plans:
            self.stdout.write("\n".join(plan.lines()))
        written = sum(plan.rows_written for plan in plans)
        verb = "would write" if options["dry_run"] else "wrote"
        summary = "; ".join(plan.summary() for plan in plans)
        self.stdout.write(self.style.SUCCESS(f"{len(plans)} pack(s): {summary}. {verb} {written} row(s)."))
        if options["build_envs"] and not options["dry_run"]:
            build_envs(Pack.objects.filter(ref__in=[plan.ref for plan in plans]), self.stdout, self.style)
