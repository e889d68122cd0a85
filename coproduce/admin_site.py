"""The admin dashboard's site: who may come in at all. What each page then
shows is scoped by its ModelAdmin (projects/admin_scoping.py)."""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path

from projects.admin_scoping import NOT_FOUND, may_use_admin


class CoproduceAdminSite(admin.AdminSite):
    site_header = "Coproduce admin"
    site_title = "Coproduce admin"
    index_title = "Dashboard"

    def has_permission(self, request):
        """Active staff, and active managers of an organisation: being a
        manager is what gives access, with or without the staff flag."""
        return may_use_admin(request)

    def get_urls(self):
        replacements = {
            # Django's "View on site" redirect (/admin/r/<type>/<id>/) answers
            # for any object of any model, which would tell anyone who may
            # sign in here the address of another organisation's project.
            "view_on_site": path(
                "r/<int:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            "login": path("login/", self.login_or_index, name="login"),
        }
        return [
            replacements.get(getattr(pattern, "name", None), pattern)
            for pattern in super().get_urls()
        ]

    def login_or_index(self, request, extra_context=None):
        """Someone who may use the admin is sent on to it, as Django's own
        sign-in page does. self.login is wrapped in coproduce/urls.py by
        allauth's secure_admin_login, which sends everyone else to the site's
        sign-in, and refuses a signed-in person who is not staff (a manager
        who is not staff would be refused without this)."""
        if request.method == "GET" and self.has_permission(request):
            return redirect("admin:index")
        return self.login(request, extra_context)

    def view_on_site(self, request, content_type_id, object_id):
        """To an object's page on the site, for the objects this person may
        see in the admin dashboard only."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        visible = False
        if model is not None:
            try:
                model_admin = self.get_model_admin(model)
                visible = (
                    model_admin.has_view_permission(request)
                    and model_admin.get_queryset(request).filter(pk=object_id).exists()
                )
            except (NotRegistered, ValidationError, ValueError):
                visible = False
        if not visible:
            raise Http404(NOT_FOUND)
        return shortcut(request, content_type_id, object_id)
