from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Actions"

    def ready(self):
        from actions.core import install_after_migrate

        # After every migrate (and test-database flush), so the core pack is always there.
        post_migrate.connect(install_after_migrate, sender=self, dispatch_uid="actions.install_core_pack")
