from django.core.management.base import BaseCommand, CommandError

from packs.management.commands._packargs import pack_dirs, read_all, report_failures


class Command(BaseCommand):
    help = "Check pack directories the way load_pack would, without touching the database."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="pack directories (each with a pack.yaml)")
        parser.add_argument("--all", metavar="DIR", help="check every pack directory under DIR")

    def handle(self, *args, **options):
        specs, failures = read_all(pack_dirs(options["paths"], options["all"]))
        for spec in specs:
            self.stdout.write(
                f"{spec.source_dir}: pack {spec.ref} OK, {len(spec.workflows)} workflow(s), "
                f"{len(spec.actions)} action(s)"
            )
            for note in spec.notes:
                self.stdout.write(f"  note: {note}")
        if failures:
            report_failures(self.stdout, self.style, failures)
            problems = sum(len(failure.problems) for failure in failures)
            raise CommandError(f"{len(failures)} pack(s) invalid, {problems} problem(s)")
        self.stdout.write(self.style.SUCCESS(f"{len(specs)} pack(s) valid."))
