"""Middleware that belongs to the whole site."""

from django.utils.cache import add_never_cache_headers, patch_cache_control

from coproduce.views import healthz


class HealthCheckMiddleware:
    """Answer /healthz before the host check and the HTTPS redirect.

    Docker's health check and load balancers ask over plain HTTP, by the
    container's own address (127.0.0.1:8000), which is neither in
    ALLOWED_HOSTS nor HTTPS in production. The answer says only whether the
    database and the broker are reachable, so it needs neither check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


class PrivatePagesNotCachedMiddleware:
    """Pages for someone who is signed in are never kept by the browser or
    anything between: on a shared computer (a library, a day centre) the
    next person must not see the last person's pages from the cache, or with
    the Back button, after they sign out. Static files keep their long cache
    (WhiteNoise answers them before this runs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
