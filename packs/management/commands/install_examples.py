import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from packs.ondisk.loader import PackInvalid, read_pack
from packs.ondisk.sync import load_packs

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "packs"


class Command(BaseCommand):
    help = "Copy the example packs into ATTUNE_PACKS_DIR (once) and load them; safe to run again."

    def handle(self, *args, **options):
        target_root = Path(settings.ATTUNE_PACKS_DIR)
        target_root.mkdir(parents=True, exist_ok=True)
        targets = []
        for example in sorted(path for path in EXAMPLES.iterdir() if (path / "pack.yaml").is_file()):
            target = target_root / example.name
            if not target.exists():  # never overwrite what an operator changed
                shutil.copytree(example, target)
            targets.append(target)
        try:
            plans = load_packs([read_pack(target) for target in targets])
        except PackInvalid as exc:
            raise CommandError("; ".join(str(problem) for problem in exc.problems)) from None
        for plan in plans:
            self.stdout.write(plan.summary())
        self.stdout.write(self.style.SUCCESS(f"{len(plans)} example pack(s) in {target_root}."))
