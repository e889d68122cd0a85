from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from coproduce import views

# admin.site is coproduce.admin_site.CoproduceAdminSite (its titles are there).
# The admin's own sign-in form has no rate limits: send it to the site's sign-in
# (allauth's, with its limits on wrong passwords and its two-step sign-in).
admin.site.login = secure_admin_login(admin.site.login)

handler500 = "coproduce.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("", include("participants.urls")),
    path("", include("decisions.urls")),
    path("", include("projects.urls")),
]
