"""Shared set-up for the people, invitations and reminder tests."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from participants.models import ReminderLog, User
from projects.models import Membership
from tests.factories import MembershipFactory, ProjectFactory, StageFactory, UserFactory

# Wednesday 10 June 2026, 10am in London: daytime for the members.
NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
# Thursday 11 June 2026, 5pm in London.
CLOSES = datetime(2026, 6, 11, 16, 0, tzinfo=UTC)
FORMATS = list(User.ReminderFormat.values)
PROJECT_NAME = "Riverside Day Service"
TITLE = "Open the day centre until 6pm"


def build_project(*, formats=FORMATS, timing=User.ReminderTiming.IMMEDIATE, tz="Europe/London"):
    """A project in its "Ideas" stage with a facilitator (Sam Okafor) and one
    member for each reminder format, all living in London."""
    project = ProjectFactory(name=PROJECT_NAME, timezone="Europe/London")
    stage = StageFactory(
        project=project,
        position=2,
        name="Ideas",
        started_at=NOW - timedelta(days=3),
        aims="Collect ideas for better opening hours.",
    )
    facilitator = MembershipFactory(
        project=project,
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        user__display_name="Sam Okafor",
        user__email="sam@example.org",
        user__timezone=tz,
    )
    members = {}
    for reminder_format in formats:
        members[reminder_format] = MembershipFactory(
            project=project,
            label=Membership.Label.PARTICIPANT,
            user__display_name=reminder_format.replace("_", " ").title(),
            user__email=f"{reminder_format}@example.org",
            user__reminder_format=reminder_format,
            user__reminder_timing=timing,
            user__timezone=tz,
        )
    outsider = UserFactory(display_name="Olly Outside")
    return SimpleNamespace(
        project=project, stage=stage, facilitator=facilitator, members=members, outsider=outsider
    )


def by_recipient(messages) -> dict[str, object]:
    found = {}
    for message in messages:
        (address,) = message.to
        assert address not in found, f"{address} got two emails: {message.subject}"
        found[address] = message
    return found


def kind_of(message) -> str:
    return message.extra_headers.get("X-Coproduce-Kind", "")


def members_with_a_due_reminder(decision, count: int, *, due) -> list[User]:
    """``count`` members of the decision's project, built in bulk, each with
    a new-decision reminder due at ``due``."""
    users = User.objects.bulk_create(
        User(
            email=f"member{i}@example.org",
            display_name=f"Member {i}",
            password="!",  # an unusable password
            timezone="Europe/London",
        )
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(project=decision.project, user=user, label="participant") for user in users
    )
    ReminderLog.objects.bulk_create(
        ReminderLog(
            user=user,
            kind="new_decision",
            object_key=f"decision:{decision.pk}",
            due_at=due,
            send_after=due,
            project=decision.project,
        )
        for user in users
    )
    return users
