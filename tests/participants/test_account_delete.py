"""Deleting an account: the page for every kind of person, its error states,
what is erased and what stays (every closed decision's tally and result,
every vote and comment), signing in afterwards, the address free for a new
account, the only facilitator of a project refused, and the last email in
every format."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from decisions.models import Comment, Decision, Vote
from decisions.services import decision_close
from participants.accounts.services import FORMER_MEMBER, account_delete
from participants.mail.account import account_deleted_message
from participants.models import Invitation, ReminderLog, SignIn, User
from projects.models import Activity, LadderAnswer, Membership
from projects.permissions import SYSTEM
from projects.services import membership_set_facilitator
from projects.time_given.models import Claim, Contribution
from tests.factories import (
    AuthenticatorAppFactory,
    MembershipFactory,
    ProjectFactory,
)
from tests.participants.account_helpers import (
    PASSWORD,
    assert_error_page,
    code_in_email,
    last_email_to,
    page,
    signed_in_user_id,
)
from tests.participants.email_rules import check_email, html_part
from tests.participants.rights_world import build
from tests.roles import sign_in

DELETE = reverse("participants:account_delete")
FORMATS = list(User.ReminderFormat.values)


@pytest.fixture
def world(db):
    return build(count=2)


def passwordless(membership):
    """Most members sign in with a code and have no password."""
    membership.user.set_unusable_password()
    membership.user.save()
    return membership.user


def snapshot():
    """Every decision's stored result, and how many votes and comments there
    are on each, from the database."""
    return {
        decision.pk: (
            decision.status,
            decision.result,
            decision.tally,
            decision.votes.count(),
            decision.comments.count(),
            sorted(decision.votes.values_list("choice", flat=True)),
        )
        for decision in Decision.objects.order_by("pk")
    }


# The page -----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_visitors_are_asked_to_sign_in(client, db, method):
    response = getattr(client, method)(DELETE)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next={DELETE}"


def test_the_page_says_what_happens_in_plain_words(client, world):
    sign_in(client, passwordless(world.me))
    response = client.get(DELETE)
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert "<title>Delete your account - Coproduce</title>" in html
    assert "your name, email addresses, access needs, strengths and contact details" in html
    assert "they say “A former member” instead of your name" in html
    assert "Decisions that have closed keep their results." in html
    assert "If a vote is still open, your vote in it stops counting" in html
    assert "You cannot undo this." in html
    assert "I understand that deleting my account cannot be undone" in html
    assert "We will ask for your password first" not in html
    assert f'href="{reverse("participants:your_data")}"' in html


def test_members_with_a_password_are_told_they_will_be_asked_for_it(client, world):
    sign_in(client, world.me.user)
    assert "We will ask for your password first" in page(client.get(DELETE))


def test_without_ticking_the_box_nothing_happens(client, world, django_capture_on_commit_callbacks):
    user = passwordless(world.me)
    sign_in(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {})
    assert_error_page(
        response,
        "Delete your account",
        "Tick the box to say you understand that this cannot be undone",
    )
    user.refresh_from_db()
    assert user.is_active
    assert user.display_name == "Pat Paterson"
    assert signed_in_user_id(client) == user.pk
    assert mail.outbox == []


def test_the_only_facilitator_is_told_what_to_do_first(client, world):
    user = world.facilitator.user
    sign_in(client, user)
    html = page(client.get(DELETE))
    assert "You are the only facilitator of this project" in html
    assert f'href="{reverse("projects:members", args=[world.project.slug])}"' in html
    assert "Delete my account</button>" not in html


def test_the_only_facilitator_is_refused_when_they_send_the_form_anyway(
    client, world, django_capture_on_commit_callbacks
):
    user = passwordless(world.facilitator)
    sign_in(client, user)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"understood": "on"})
    assert_error_page(
        response,
        "Delete your account",
        "You are the only facilitator of Riverside Day Service. Before you delete your "
        "account, make someone else a facilitator of that project on its members page, "
        "or ask a project manager to.",
    )
    user.refresh_from_db()
    assert user.is_active
    assert user.display_name == "Sam Okafor"
    assert Membership.objects.current().filter(user=user).count() == 1
    assert snapshot() == before
    assert mail.outbox == []


def test_the_only_facilitator_of_several_projects_hears_every_name(world):
    user = world.facilitator.user
    MembershipFactory(project=ProjectFactory(name="Allotments"), user=user, is_facilitator=True)
    with pytest.raises(ValidationError) as refused:
        account_delete(user=user, actor=user)
    assert refused.value.messages == [
        "You are the only facilitator of Allotments and Riverside Day Service. Before you "
        "delete your account, make someone else a facilitator of each of those projects on "
        "its members page, or ask a project manager to."
    ]


def test_a_facilitator_can_go_once_someone_else_facilitates(client, world):
    user = passwordless(world.facilitator)
    membership_set_facilitator(membership=world.me, is_facilitator=True, actor=user)
    sign_in(client, user)
    response = client.post(DELETE, {"understood": "on"})
    assert response.status_code == HTTPStatus.OK
    assert "Your account is deleted" in page(response)
    assert Membership.objects.current().filter(
        project=world.project, is_facilitator=True
    ).get() == (world.me)


# What deleting does ------------------------------------------------------------------


def test_deleting_erases_who_they_are_and_signs_them_out(
    client, world, django_capture_on_commit_callbacks
):
    user = passwordless(world.me)
    user.reminder_format = User.ReminderFormat.LARGE_PRINT
    user.text_size = User.TextSize.LARGEST
    user.save()
    pending = ReminderLog.objects.create(
        user=user,
        kind="closing_soon",
        object_key=f"decision:{world.open_decision.pk}",
        due_at=timezone.now(),
        project=world.project,
    )
    sign_in(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"understood": "on"})

    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert "<title>Your account is deleted - Coproduce</title>" in html
    # The last page keeps the look they chose, though the account is gone.
    assert 'class="text-largest"' in html
    assert signed_in_user_id(client) is None

    user.refresh_from_db()
    assert user.display_name == FORMER_MEMBER
    assert user.email == f"former-member-{user.pk}@deleted.invalid"
    assert user.access_needs == []
    assert user.access_needs_other == ""
    assert user.strengths == ""
    assert user.contact_details == ""
    assert user.reminder_format == User.ReminderFormat.STANDARD
    assert user.text_size == User.TextSize.STANDARD
    assert not user.is_active
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SignIn.objects.filter(user=user).exists()
    membership = Membership.objects.get(pk=world.me.pk)
    assert membership.left_at is not None
    pending.refresh_from_db()
    assert pending.status == ReminderLog.Status.SKIPPED
    # Invitations to their addresses no longer name them, and cannot be used.
    invitation = Invitation.objects.get(project__name="Northfield Library")
    assert invitation.email == user.email
    assert invitation.declined_at is not None
    # Lines of activity no longer name them.
    assert not Activity.objects.filter(summary__contains="Pat Paterson").exists()
    assert Activity.objects.filter(summary="A former member left the project").count() == 1
    assert Activity.objects.filter(summary="A former member did thing 1").exists()

    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert message.subject == "Your account is deleted - Coproduce"
    assert "font-size:24px" in html_part(message)  # in the large print they chose


def test_what_they_did_stays_and_no_result_changes(client, world):
    """Every closed decision keeps its tally and result, every vote and
    comment stays, and the decision page shows the same numbers, with "A
    former member" for the name."""
    user = passwordless(world.me)
    for decision in Decision.objects.filter(project=world.project).exclude(
        pk=world.open_decision.pk
    ):
        decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    closed = Decision.objects.get(title="Pat proposal 1")
    detail = closed.get_absolute_url()
    viewer = world.other.user
    sign_in(client, viewer)
    page_before = page(client.get(detail))
    before = snapshot()
    votes, comments, answers = (
        Vote.objects.count(),
        Comment.objects.count(),
        LadderAnswer.objects.count(),
    )

    claims_before = list(Claim.objects.order_by("pk").values_list("pk", "status", "amount"))
    time_before = Contribution.objects.filter(status="confirmed").aggregate(Sum("minutes"))
    assert claims_before

    account_delete(user=user, actor=user)

    # Time given and claims stay as they were: no payment record changes.
    assert list(Claim.objects.order_by("pk").values_list("pk", "status", "amount")) == (
        claims_before
    )
    assert Contribution.objects.filter(status="confirmed").aggregate(Sum("minutes")) == (
        time_before
    )
    after = snapshot()
    assert {pk: v for pk, v in after.items() if pk != world.open_decision.pk} == {
        pk: v for pk, v in before.items() if pk != world.open_decision.pk
    }
    # The open decision keeps every vote and comment.
    assert after[world.open_decision.pk][3:] == before[world.open_decision.pk][3:]
    assert (Vote.objects.count(), Comment.objects.count(), LadderAnswer.objects.count()) == (
        votes,
        comments,
        answers,
    )
    sign_in(client, viewer)
    response = client.get(detail)
    assert response.status_code == HTTPStatus.OK
    page_after = page(response)
    numbers = re.compile(r"\b\d+ of \d+\b")
    assert numbers.findall(page_after) == numbers.findall(page_before)
    assert numbers.findall(page_after)
    assert "Pat Paterson" in page_before
    assert "Pat Paterson" not in page_after
    assert "A former member (participant)" in page_after
    # The discussion names them as a former member, and every page still works.
    open_page = client.get(world.open_decision.get_absolute_url())
    assert open_page.status_code == HTTPStatus.OK
    assert "A former member (participant)" in page(open_page)
    assert "Pat comment 1" in page(open_page)
    slug = world.project.slug
    sign_in(client, world.facilitator.user)
    for address in [
        reverse("projects:detail", args=[slug]),
        reverse("projects:members", args=[slug]),
        reverse("projects:stages", args=[slug]),
        reverse("projects:stage_detail", args=[slug, world.stage.pk]),
        reverse("decisions:log", args=[slug]),
        reverse("participants:invitations", args=[slug]),
        closed.get_absolute_url(),
    ]:
        response = client.get(address)
        assert response.status_code == HTTPStatus.OK, address
        assert "Pat Paterson" not in page(response), address
    export = client.get(reverse("decisions:export", args=[slug]))
    assert export.status_code == HTTPStatus.OK
    csv = b"".join(export.streaming_content) if export.streaming else export.content
    assert "Pat proposal 1" in csv.decode()
    assert "Pat Paterson" not in csv.decode()
    # Their access needs are gone, and the page for them is no longer there.
    gone = client.get(reverse("participants:member_access_needs", args=[slug, world.me.pk]))
    assert gone.status_code == HTTPStatus.NOT_FOUND


def test_a_deleted_account_cannot_sign_in(client, world):
    user = world.me.user  # a member with a password
    account_delete(user=user, actor=user)
    mail.outbox.clear()
    response = client.post(
        reverse("account_login"), {"login": "pat@example.org", "password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.OK
    assert signed_in_user_id(client) is None
    # Nor with a code: the address is no longer an account's.
    client.post(reverse("account_request_login_code"), {"email": "pat@example.org"})
    assert signed_in_user_id(client) is None
    assert "There is no account with this email address" in last_email_to("pat@example.org").body


def test_sessions_the_account_had_stop_working(client, world):
    user = passwordless(world.me)
    sign_in(client, user)
    assert client.get(reverse("participants:account")).status_code == HTTPStatus.OK
    account_delete(user=user, actor=user)
    response = client.get(reverse("participants:account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_the_address_is_free_for_a_new_account(client, world):
    user = world.me.user
    account_delete(user=user, actor=user)
    mail.outbox.clear()
    response = client.post(
        reverse("account_signup"), {"display_name": "Pat Again", "email": "pat@example.org"}
    )
    assert response.status_code == HTTPStatus.FOUND
    new = User.objects.get(email="pat@example.org")
    assert new.pk != user.pk
    assert new.display_name == "Pat Again"
    assert new.is_active
    assert last_email_to("pat@example.org").subject == "Confirm your email address - Coproduce"


def test_members_with_a_password_confirm_it_first(client, world):
    user = world.me.user
    client.post(reverse("account_login"), {"login": "pat@example.org", "password": PASSWORD})
    assert signed_in_user_id(client) == user.pk
    response = client.post(DELETE, {"understood": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    user.refresh_from_db()
    assert user.is_active
    # A wrong password: nothing happens.
    wrong = client.post(response["Location"], {"password": "not my password"})
    assert wrong.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.is_active
    # The right one: the form they sent goes on, and the account is deleted.
    done = client.post(response["Location"], {"password": PASSWORD})
    assert done.status_code == HTTPStatus.OK
    assert "Your account is deleted" in page(done)
    user.refresh_from_db()
    assert not user.is_active
    assert user.display_name == FORMER_MEMBER
    assert signed_in_user_id(client) is None


def test_members_with_two_step_sign_in_confirm_with_a_code_first(client, world):
    user = passwordless(world.me)
    AuthenticatorAppFactory(user=user)
    sign_in(client, user)
    response = client.post(DELETE, {"understood": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    user.refresh_from_db()
    assert user.is_active


def test_two_step_sign_in_goes_with_the_account(world):
    user = world.me.user
    AuthenticatorAppFactory(user=user)
    account_delete(user=user, actor=user)
    assert not user.authenticator_set.exists()


def test_a_code_member_who_signed_in_with_a_code_deletes_straight_away(client, world):
    user = passwordless(world.me)
    client.post(reverse("account_request_login_code"), {"email": "pat@example.org"})
    code = code_in_email(last_email_to("pat@example.org"))
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert signed_in_user_id(client) == user.pk
    response = client.post(DELETE, {"understood": "on"})
    assert response.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert not user.is_active


def test_only_the_person_themselves_can_delete_an_account(world):
    for actor in (world.other.user, world.facilitator.user, SYSTEM):
        with pytest.raises(PermissionDenied):
            account_delete(user=world.me.user, actor=actor)
    world.me.user.refresh_from_db()
    assert world.me.user.is_active


def test_deleting_twice_is_refused_plainly(world):
    user = world.me.user
    account_delete(user=user, actor=user)
    with pytest.raises(ValidationError, match="already been deleted"):
        account_delete(user=user, actor=user)


@pytest.mark.parametrize("projects", [1, 30])
def test_the_page_uses_a_fixed_number_of_queries(
    client, world, projects, django_assert_max_num_queries
):
    """However many projects they are the only facilitator of."""
    user = passwordless(world.facilitator)
    for _ in range(projects - 1):
        MembershipFactory(user=user, is_facilitator=True)
    sign_in(client, user)
    with django_assert_max_num_queries(4):
        response = client.get(DELETE)
    assert page(response).count("its members</a></li>") == projects


# The last email ----------------------------------------------------------------------


@pytest.mark.parametrize("reminder_format", FORMATS)
def test_the_last_email_meets_the_rules_in_every_format(reminder_format, settings):
    settings.COPRODUCE_SITE_OPERATOR = "Riverside Council"
    settings.COPRODUCE_PRIVACY_CONTACT_EMAIL = "privacy@riverside.example.org"
    message = account_deleted_message(to="pat@example.org", reminder_format=reminder_format)
    problems = check_email(
        message, reminder_format=reminder_format, project_name="Coproduce", list_headers=False
    )
    assert not problems, "\n".join(problems)
    assert "List-Unsubscribe" not in message.extra_headers
    assert "privacy@riverside.example.org" in message.body
    assert "Riverside Council" in message.body
    assert "/privacy/" in message.body
