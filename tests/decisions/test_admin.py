"""The admin dashboard for decisions: read-only, with actions that call the
services."""

from http import HTTPStatus

from django.urls import reverse

from decisions import reminders
from decisions.models import Comment, Decision
from tests.factories import CommentFactory, VoteFactory


def test_close_now_closes_open_decisions_through_the_service(
    client, world, decision, monkeypatch, django_capture_on_commit_callbacks
):
    told = []
    monkeypatch.setattr(reminders, "decision_closed", told.append)
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    VoteFactory(decision=decision, member=world.professional, choice="agree")
    client.force_login(world.staff)
    url = reverse("admin:decisions_decision_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "close_now", "_selected_action": [decision.pk]}, follow=True
        )
    assert "Closed 1 decision(s)." in response.content.decode()
    decision.refresh_from_db()
    assert (decision.status, decision.result, decision.tally["voted"]) == ("closed", "passed", 2)
    assert decision.closed_by == world.staff
    assert told == [decision.pk]
    response = client.post(url, {"action": "close_now", "_selected_action": [decision.pk]})
    assert told == [decision.pk]


def test_the_decision_admin_lists_and_filters(client, world, decision):
    client.force_login(world.staff)
    url = reverse("admin:decisions_decision_changelist")
    page = client.get(url, {"status__exact": "open"}).content.decode()
    assert decision.title in page
    assert "Close the selected decisions now" in page
    page = client.get(url, {"status__exact": "closed"}).content.decode()
    assert decision.title not in page


def test_the_admin_is_read_only(client, world, decision):
    client.force_login(world.staff)
    assert client.get(reverse("admin:decisions_decision_add")).status_code == HTTPStatus.FORBIDDEN
    response = client.post(
        reverse("admin:decisions_decision_change", args=[decision.pk]), {"title": "Changed"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Decision.objects.get().title == decision.title


def test_hiding_comments_from_the_admin_asks_for_a_reason(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant, body="Call me")
    client.force_login(world.staff)
    url = reverse("admin:decisions_comment_changelist")
    page = client.post(url, {"action": "hide", "_selected_action": [comment.pk]})
    assert page.status_code == HTTPStatus.OK
    assert "Why are these comments hidden?" in page.content.decode()
    assert not Comment.objects.get().is_hidden
    response = client.post(
        url,
        {"action": "hide", "_selected_action": [comment.pk], "reason": "A phone number"},
        follow=True,
    )
    assert "Hid 1 comment(s)." in response.content.decode()
    comment.refresh_from_db()
    assert (comment.hidden_reason, comment.hidden_by, comment.body) == (
        "A phone number",
        world.staff,
        "Call me",
    )


def test_members_cannot_use_the_admin(client, world):
    client.force_login(world.facilitator.user)
    response = client.get(reverse("admin:decisions_decision_changelist"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_organisations_manager_uses_the_admin_without_being_staff(client, world, decision):
    # Being a manager of the organisation is what gives access (it used to
    # take the staff flag and model permissions).
    assert not world.manager.is_staff
    client.force_login(world.manager)
    response = client.get(reverse("admin:decisions_decision_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert decision.title in response.content.decode()
