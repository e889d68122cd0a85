from django.urls import path

from participants.accounts import views as account_views
from participants.invitations import views as invitation_views
from participants.mail import views as email_views
from participants.profile import views as profile_views

app_name = "participants"

urlpatterns = [
    path("settings/display/", profile_views.display_preferences, name="display"),
    path("account/", account_views.account, name="account"),
    # A member's own data and their account's deletion (no user id: only their own).
    path("account/your-data/", account_views.your_data, name="your_data"),
    path(
        "account/your-data/download/",
        account_views.your_data_download,
        name="your_data_download",
    ),
    path("account/delete/", account_views.delete, name="account_delete"),
    # People, invitations and emails (issue 5 and the invitations of issue 3).
    path("profile/", profile_views.profile, name="profile"),
    path(
        "profile/access-needs/",
        profile_views.profile_access_needs,
        name="profile_access_needs",
    ),
    path("profile/about-you/", profile_views.profile_about_you, name="profile_about_you"),
    path("profile/what-you-offer/", profile_views.profile_offer, name="profile_offer"),
    path("profile/emails/", profile_views.profile_emails, name="profile_emails"),
    path(
        "projects/<slug:slug>/members/<int:pk>/about/",
        profile_views.member_about,
        name="member_about",
    ),
    path(
        "projects/<slug:slug>/members/<int:pk>/access-needs/",
        profile_views.member_access_needs,
        name="member_access_needs",
    ),
    path("projects/<slug:slug>/invitations/", invitation_views.invitations, name="invitations"),
    path(
        "projects/<slug:slug>/invitations/<uuid:public_id>/resend/",
        invitation_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "projects/<slug:slug>/invitations/<uuid:public_id>/cancel/",
        invitation_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", invitation_views.invitation_accept, name="invitation_accept"),
    path(
        "emails/preferences/<str:token>/", email_views.email_preferences, name="email_preferences"
    ),
    path("emails/stop/<str:token>/", email_views.email_stop, name="email_stop"),
]
