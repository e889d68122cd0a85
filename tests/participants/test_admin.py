"""The admin for reminders and invitations: failed sends are shown to the
project managers of their projects, who can send them again; each
organisation's managers see only their own projects' rows."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from participants.models import Invitation, ReminderLog
from participants.reminders.project_kinds import StageReminder
from tests.factories import MembershipFactory, ProjectFactory, StageFactory, UserFactory
from tests.participants.mailers import CountingBackend
from tests.participants.support import NOW

Status = ReminderLog.Status
REMINDERS = reverse("admin:participants_reminderlog_changelist")
INVITATIONS = reverse("admin:participants_invitation_changelist")


@pytest.fixture(autouse=True)
def _daytime_in_london():
    """10am in London, where the members live: a reminder sent again goes
    now, not the next morning (docs/email-rules.md rule 24)."""
    with time_machine.travel(NOW, tick=False):
        yield


def _failed(project, address, error="SMTPRecipientsRefused: 550 No such mailbox"):
    """A new-stage reminder that was given up on after five tries."""
    stage = StageFactory(
        project=project, current=True, started_at=timezone.now() - timedelta(hours=4)
    )
    member = MembershipFactory(project=project, user__email=address, user__timezone="Europe/London")
    return ReminderLog.objects.create(
        user=member.user,
        kind="stage",
        object_key=f"project:{project.pk}",
        due_at=stage.started_at + StageReminder.settle,
        project=project,
        status=Status.FAILED,
        attempts=5,
        last_error=error,
    )


@pytest.fixture
def world(db, settings):
    CountingBackend.reset()
    settings.MAILERS = {"default": {"BACKEND": "tests.participants.mailers.CountingBackend"}}
    riverside = ProjectFactory(name="Riverside Day Service")
    hilltop = ProjectFactory(name="Hilltop Allotments")
    # A project manager of Riverside's organisation, with access to the admin
    # but no model permissions granted one by one.
    helen = UserFactory(email="helen@example.org", is_staff=True)
    riverside.organisation.managers.add(helen)
    return {
        "riverside": riverside,
        "riverside_failed": _failed(riverside, "gone@example.org"),
        "hilltop_failed": _failed(hilltop, "moved@example.org"),
        "helen": helen,
        "superuser": UserFactory(email="root@example.org", is_staff=True, is_superuser=True),
    }


def test_a_project_manager_sees_their_projects_failed_reminders(client, world):
    client.force_login(world["helen"])
    assert "Reminders" in client.get(reverse("admin:index")).content.decode()
    page = client.get(REMINDERS, {"status__exact": "failed"}).content.decode()
    assert "1 reminder could not be sent after 5 tries." in page
    assert "gone@example.org" in page
    assert "moved@example.org" not in page  # another organisation's project
    detail = reverse("admin:participants_reminderlog_change", args=[world["riverside_failed"].pk])
    assert "550 No such mailbox" in client.get(detail).content.decode()
    other = reverse("admin:participants_reminderlog_change", args=[world["hilltop_failed"].pk])
    assert client.get(other).status_code == HTTPStatus.NOT_FOUND  # another organisation's


def test_a_superuser_sees_every_failed_reminder(client, world):
    client.force_login(world["superuser"])
    page = client.get(REMINDERS).content.decode()
    assert "2 reminders could not be sent after 5 tries." in page
    assert "gone@example.org" in page
    assert "moved@example.org" in page


def test_try_again_puts_failed_reminders_back_and_sends_them(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["helen"])
    chosen = [world["riverside_failed"].pk, world["hilltop_failed"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            REMINDERS, {"action": "try_again", "_selected_action": chosen}, follow=True
        )
    assert "1 failed reminder queued." in response.content.decode()
    retried = ReminderLog.objects.get(pk=world["riverside_failed"].pk)
    assert (retried.status, retried.attempts) == (Status.SENT, 1)
    assert [message.to for message in CountingBackend.sent] == [["gone@example.org"]]
    assert ReminderLog.objects.get(pk=world["hilltop_failed"].pk).status == Status.FAILED


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # Managing the organisation is what gives access, staff flag or not.
        ("manager, not staff", HTTPStatus.OK),
        ("staff, not a manager", HTTPStatus.FORBIDDEN),
        ("member, not staff", HTTPStatus.FOUND),  # to the admin's sign-in page
    ],
)
def test_who_can_see_reminders(client, world, who, expected):
    if who == "manager, not staff":
        person = UserFactory()
        world["riverside"].organisation.managers.add(person)
    elif who == "staff, not a manager":
        person = UserFactory(is_staff=True)
    else:
        person = MembershipFactory(project=world["riverside"], is_facilitator=True).user
    client.force_login(person)
    assert client.get(REMINDERS).status_code == expected
    assert client.get(INVITATIONS).status_code == expected


def test_reminders_cannot_be_added_changed_or_deleted_here(client, world):
    client.force_login(world["superuser"])
    assert client.get(reverse("admin:participants_reminderlog_add")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    row = world["riverside_failed"]
    delete = reverse("admin:participants_reminderlog_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert ReminderLog.objects.filter(pk=row.pk).exists()


def test_a_project_manager_cancels_an_invitation_from_the_admin(
    client, world, django_capture_on_commit_callbacks
):
    ours = Invitation.objects.create(
        project=world["riverside"], email="ann@example.org", label="participant"
    )
    theirs = Invitation.objects.create(
        project=ProjectFactory(), email="bob@example.org", label="participant"
    )
    client.force_login(world["helen"])
    page = client.get(INVITATIONS).content.decode()
    assert "ann@example.org" in page
    assert "bob@example.org" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITATIONS,
            {"action": "cancel", "_selected_action": [ours.pk, theirs.pk]},
            follow=True,
        )
    assert "1 invitation cancelled." in response.content.decode()
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.revoked_by, theirs.revoked_at) == (world["helen"], None)
