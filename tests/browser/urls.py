"""The site's addresses plus a few that answer with each error page, so the
browser tests can check the pages people see when something goes wrong."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.shortcuts import render
from django.urls import path

from coproduce.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("a test of the 400 page")


def forbidden(request):
    raise PermissionDenied


def too_many_requests(request):
    return render(request, "429.html", status=429)


def server_error(request):
    raise RuntimeError("a test of the 500 page")


urlpatterns = [
    path("__test__/400/", bad_request),
    path("__test__/403/", forbidden),
    path("__test__/429/", too_many_requests),
    path("__test__/500/", server_error),
    *site_urlpatterns,
]
