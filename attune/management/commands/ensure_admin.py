import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the superuser 'admin' unless any superuser exists (password from ATTUNE_ADMIN_PASSWORD or generated)."

    def handle(self, *args, **options):
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; nothing to do.")
            return
        password = settings.ATTUNE_ADMIN_PASSWORD or secrets.token_urlsafe(16)
        users.create_superuser(username="admin", email="", password=password)
        self.stdout.write(self.style.SUCCESS("Created superuser 'admin'."))
        if not settings.ATTUNE_ADMIN_PASSWORD:
            # Shown once: it is stored only as a hash.
            self.stdout.write(self.style.WARNING(f"Generated password (shown once): {password}"))
