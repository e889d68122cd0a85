"""The WSGI application gunicorn serves (deploy/entrypoint.sh web)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")

django_application = get_wsgi_application()


def application(environ, start_response):
    """Django, served under SITE_URL's path when it has one.

    A proxy passes a request for https://example.org/coproduce/projects/ on
    as the path /coproduce/projects/; Django adds the prefix to the addresses
    it makes (FORCE_SCRIPT_NAME) and expects it taken off the paths it is
    given. Paths without the prefix (Docker's /healthz check by the
    container's own address, or a proxy that strips the prefix itself) are
    passed on as they are.
    """
    prefix = settings.FORCE_SCRIPT_NAME
    path = environ.get("PATH_INFO", "")
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        environ["PATH_INFO"] = path[len(prefix) :] or "/"
    return django_application(environ, start_response)
