#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys

# Commands that only read code and the schema and never sign anything: they run on a fresh
# clone without DJANGO_SECRET_KEY (a throwaway key for this process), so a developer or a
# hook can check for missing migrations or the OpenAPI schema with no configuration. Every
# other command still needs the real key (attune/settings.py).
OFFLINE_COMMANDS = {"makemigrations", "check", "showmigrations", "sqlmigrate", "spectacular"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS:
        os.environ.setdefault("DJANGO_SECRET_KEY", "offline-" + secrets.token_urlsafe(32))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
