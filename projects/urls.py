"""Project addresses. The home page keeps the name "home" (the page shell and
the error pages link to it); everything else is in the "projects" namespace.
Project addresses use the slug, which ends in a random suffix."""

from django.urls import include, path

from projects import views

project_patterns = [
    path("new/", views.project_create, name="create"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/members/your-label/", views.member_label, name="member_label"),
    path(
        "<slug:slug>/members/<int:pk>/facilitator/",
        views.member_facilitator,
        name="member_facilitator",
    ),
    path("<slug:slug>/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/stages/", views.timeline, name="stages"),
    path("<slug:slug>/stages/add/", views.stage_add, name="stage_add"),
    path("<slug:slug>/stages/next/", views.stage_advance, name="stage_advance"),
    path("<slug:slug>/stages/<int:pk>/", views.stage_detail, name="stage_detail"),
    path("<slug:slug>/stages/<int:pk>/edit/", views.stage_edit, name="stage_edit"),
    path("<slug:slug>/stages/<int:pk>/move/", views.stage_move, name="stage_move"),
    path("<slug:slug>/stages/<int:pk>/remove/", views.stage_remove, name="stage_remove"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/", include((project_patterns, "projects"))),
    path("", include(("projects.time_given.urls", "time"))),
]
