"""`manage.py prune_executions --older-than 30d [--dry-run]`."""

from django.core.management.base import BaseCommand, CommandError

from executions.pruning import parse_age, prune


class Command(BaseCommand):
    help = (
        "Delete executions that finished longer ago than --older-than, whole trees at a time "
        "(task runs, nested workflows, events, inquiries); running trees are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, metavar="AGE", help="30d, 12h, 90m or 3600s.")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, **options):
        try:
            age = parse_age(options["older_than"])
        except ValueError as exc:
            raise CommandError(f"--older-than: {exc}", returncode=2) from None
        count = prune(age, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {count} execution(s) finished more than {options['older_than']} ago, with their task runs"
        )
