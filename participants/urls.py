from django.urls import path

from participants import views

app_name = "participants"

urlpatterns = [
    path("settings/display/", views.display_preferences, name="display"),
    path("account/", views.account, name="account"),
]
