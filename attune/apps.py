from django.apps import AppConfig


class AttuneConfig(AppConfig):
    name = "attune"
    verbose_name = "Attune"
