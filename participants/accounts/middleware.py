"""Staff use two-step sign-in before the admin dashboard.

The admin dashboard can change an organisation's projects and, for a
superuser, every person's account, so when STAFF_MFA_REQUIRED is on (the
default when DEBUG is off) anyone the admin lets in (staff, and managers of an
organisation) who has not set up an authenticator app is sent to set one up,
with a message that says why, before any admin page. Everyone else, and every
page of the site itself, is left alone. Signing out of the admin always works.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

SET_UP_FIRST = (
    "To use the admin dashboard, set up a second way to sign in first. "
    "It keeps the dashboard safe, even if someone learns your password. "
    "You need an authenticator app: a free app on your phone, tablet or computer "
    "that shows sign-in codes."
)


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        required = settings.STAFF_MFA_REQUIRED
        # For templates: whether staff need two-step sign-in for the admin.
        request.staff_mfa_required = required
        if required and self._needs_second_factor(request):
            messages.warning(request, SET_UP_FIRST)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_second_factor(request) -> bool:
        if not request.path.startswith(reverse("admin:index")):
            return False
        if request.path == reverse("admin:logout"):
            return False
        # Everyone the admin lets in: staff, and managers of an organisation
        # who are not staff.
        if not admin.site.has_permission(request):
            return False
        return not is_mfa_enabled(request.user, [Authenticator.Type.TOTP])
