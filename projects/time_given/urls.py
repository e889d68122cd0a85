"""Addresses of time given and claims, in the "time" namespace (included by
projects/urls.py). The managers' pages sit under /manage/ beside their
dashboard; /manage/<table>.csv belongs to the dashboard, so the claims'
download is /manage/claims/export.csv."""

from django.urls import path

from projects.time_given import views

PROJECT = "projects/<slug:slug>/time/"

urlpatterns = [
    path("your-time/", views.your_time, name="yours"),
    path("your-time/export.csv", views.your_time_csv, name="yours_csv"),
    path("manage/claims/", views.manager_claims, name="manager_claims"),
    path("manage/claims/export.csv", views.manager_claims_csv, name="manager_claims_csv"),
    path(PROJECT, views.time_given, name="project"),
    path(PROJECT + "log/", views.contribution_log, name="log"),
    path(PROJECT + "meeting/", views.meeting_log, name="meeting"),
    path(PROJECT + "<int:pk>/check/", views.contribution_check, name="check"),
    path(PROJECT + "<int:pk>/claim/", views.claim_make, name="claim_make"),
    path(PROJECT + "offer/", views.policy_edit, name="policy"),
    path(PROJECT + "claims/", views.project_claims, name="claims"),
    path(PROJECT + "claims/<int:pk>/", views.claim_detail, name="claim"),
]
