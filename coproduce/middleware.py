"""Middleware that belongs to the whole site."""

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
