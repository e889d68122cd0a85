from django.apps import AppConfig


class CoproduceConfig(AppConfig):
    """Wiring only: the page shell's template tags and the run command."""

    name = "coproduce"
    verbose_name = "Coproduce"
