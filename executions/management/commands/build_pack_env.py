from django.core.management.base import BaseCommand, CommandError

from executions import envs
from packs.models import Pack


class Command(BaseCommand):
    help = "Build the Python environment a pack's python actions run in (from its requirements.txt)."

    def add_arguments(self, parser):
        parser.add_argument("packs", nargs="+", metavar="pack", help="pack refs")
        parser.add_argument("--rebuild", action="store_true", help="build again even when it exists")

    def handle(self, *args, **options):
        packs = list(Pack.objects.filter(ref__in=options["packs"]))
        missing = sorted(set(options["packs"]) - {pack.ref for pack in packs})
        if missing:
            raise CommandError(f"no such pack: {', '.join(missing)}")
        build_envs(packs, self.stdout, self.style, rebuild=options["rebuild"])


def build_envs(packs, stdout, style, rebuild=False) -> None:
    """Build each pack's environment, printing one line per pack; CommandError on a failure."""
    for pack in packs:
        try:
            directory, built = envs.build(pack, rebuild=rebuild)
        except envs.EnvBuildError as exc:
            raise CommandError(f"{pack.ref}: {exc}") from None
        verb = "built" if built else "up to date"
        kind = "own environment" if envs.requirements_file(pack) else "shared environment"
        stdout.write(style.SUCCESS(f"{pack.ref}: {kind} {verb}: {directory}"))
