"""The site's addresses, and /bench/ok for the benchmark only
(coproduce.bench.settings)."""

from django.http import HttpResponse
from django.urls import path

from coproduce.urls import handler500
from coproduce.urls import urlpatterns as site_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def ok(request):
    """HttpResponse("ok") after reading who is asking: with a session cookie,
    the cost of the session and the user, and nothing else."""
    request.user.is_authenticated  # noqa: B018  (loads the session and the user)
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok", ok, name="bench_ok"), *site_urlpatterns]
