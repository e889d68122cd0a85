from django.urls import path

from decisions import dashboard_views, views

app_name = "decisions"

DECISION = "projects/<slug:slug>/decisions/<uuid:public_id>/"

urlpatterns = [
    path("manage/", dashboard_views.dashboard_page, name="dashboard"),
    path("manage/<slug:table>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("projects/<slug:slug>/decisions/", views.decision_log, name="log"),
    path("projects/<slug:slug>/decisions/export.csv", views.decision_log_csv, name="export"),
    path("projects/<slug:slug>/decisions/new/", views.decision_propose, name="propose"),
    path(DECISION, views.decision_detail, name="detail"),
    path(DECISION + "edit/", views.decision_edit, name="edit"),
    path(DECISION + "vote/", views.vote, name="vote"),
    path(DECISION + "record-vote/", views.record_vote, name="record_vote"),
    path(DECISION + "comments/", views.comment_post, name="comment_post"),
    path(DECISION + "comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path(DECISION + "comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path(DECISION + "close/", views.close_early, name="close_early"),
    path(DECISION + "outcome/", views.outcome, name="outcome"),
]
