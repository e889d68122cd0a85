from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoproduceConfig(AppConfig):
    """Wiring only: the page shell's template tags and the run command."""

    name = "coproduce"
    verbose_name = "Coproduce"


class CoproduceAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with Coproduce's site as admin.site (Django's
    "Overriding the default admin site"). Listed in INSTALLED_APPS in place
    of django.contrib.admin."""

    # Not the default configuration of the coproduce app, which is above.
    default = False
    default_site = "coproduce.admin_site.CoproduceAdminSite"
