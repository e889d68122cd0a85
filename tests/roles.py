"""Managers' roles across two organisations, for the admin dashboard (and
anything else that is scoped by Organisation.objects.managed_by).

Organisation A (Riverside Council) and B (Northfield Trust) each have one
project in its first stage, with a facilitator, a second facilitator (a
professional), a participant (with access needs), a ladder answer, an open
anonymous decision with a vote and a comment, a closed decision with an
outcome, an invitation and a failed reminder. Every role but the superuser is
a non-superuser, as STYLE asks: a superuser hides every permission bug."""

from datetime import timedelta
from types import SimpleNamespace

from django.test import Client
from django.utils import timezone

from decisions import services as decision_services
from participants.models import Invitation, ReminderLog, User
from projects import services
from projects.models import Activity, Membership
from tests.factories import (
    CommentFactory,
    DecisionFactory,
    OrganisationFactory,
    UserFactory,
    VoteFactory,
)

ADMIN_ROLES = [
    "manager of A",
    "manager of B",
    "manager of both",
    "staff managing none",
    "superuser",
]
# Which organisations each role manages, so which it sees in the admin.
SEES = {
    "manager of A": {"A"},
    "manager of B": {"B"},
    "manager of both": {"A", "B"},
    "staff managing none": set(),
    "superuser": {"A", "B"},
}
NAMES = {
    "A": ("Riverside Council", "Riverside Garden"),
    "B": ("Northfield Trust", "Northfield Clinic"),
}
# The participant's access needs and strengths: the admin shows none of them.
ACCESS_NEEDS = ["bsl", "quiet_space"]
ACCESS_NEEDS_WORDS = [
    "British Sign Language",
    "A quiet space",
    "a room with low light",
    "paints murals",
]


def _people():
    return {
        # Managers need neither the staff flag nor model permissions.
        "manager of A": UserFactory(display_name="Mo Manager"),
        "manager of B": UserFactory(display_name="Nia Manager", is_staff=True),
        "manager of both": UserFactory(display_name="Bo Manager", is_staff=True),
        "staff managing none": UserFactory(display_name="Sid Staff", is_staff=True),
        "superuser": UserFactory(display_name="Root", is_staff=True, is_superuser=True),
    }


def _organisation(key: str, people: dict) -> SimpleNamespace:
    organisation_name, project_name = NAMES[key]
    organisation = OrganisationFactory(name=organisation_name)
    for role, keys in SEES.items():
        if key in keys and role != "superuser":
            organisation.managers.add(people[role])
    project = services.project_create(
        organisation=organisation, name=project_name, summary="Making things better."
    )
    facilitator = services.membership_add(
        project=project,
        user=UserFactory(display_name=f"Fran {organisation_name}"),
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
    )
    professional = services.membership_add(
        project=project,
        user=UserFactory(display_name=f"Prof {organisation_name}"),
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
    )
    participant = services.membership_add(
        project=project,
        user=UserFactory(
            display_name=f"Pat {organisation_name}",
            access_needs=ACCESS_NEEDS,
            access_needs_other="a room with low light",
            strengths="paints murals",
        ),
        label=Membership.Label.PARTICIPANT,
    )
    stages = list(project.stages.order_by("position"))
    answer = services.ladder_answer_save(stage=stages[0], membership=participant, rung=5)
    others = [
        services.ladder_answer_save(stage=stages[0], membership=member, rung=rung)
        for member, rung in [(facilitator, 6), (professional, 4)]
    ]
    anonymous = DecisionFactory(
        project=project,
        stage=stages[0],
        proposer=facilitator,
        is_anonymous=True,
        title=f"Paint the room at {project_name}",
    )
    vote = VoteFactory(
        decision=anonymous, member=participant, choice="block", reason=f"Too dark {key}"
    )
    comment = CommentFactory(decision=anonymous, author=participant, body=f"Call me {key}")
    closed = DecisionFactory(
        project=project, stage=stages[0], proposer=facilitator, title=f"Open late {key}"
    )
    decision_services.decision_close(decision_id=closed.pk, notify=False)
    outcome = decision_services.outcome_write(
        user=facilitator.user, decision=closed, statement="We open late.", who="Fran"
    )
    invitation = Invitation.objects.create(
        project=project, email=f"new.{key.lower()}@example.org", label="participant"
    )
    reminder = ReminderLog.objects.create(
        user=participant.user,
        kind=ReminderLog.Kind.STAGE,
        object_key=f"stage:{stages[0].pk}",
        due_at=timezone.now() - timedelta(hours=3),
        project=project,
        status=ReminderLog.Status.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550 No such mailbox",
    )
    # The first stage ends, so its ladder answers (3 of them) may be shown:
    # the admin lists no answers of a stage whose answers are still open.
    services.stage_advance(project=project, actor=None)
    stages = list(project.stages.order_by("position"))
    managers = [people[role] for role, keys in SEES.items() if key in keys and role != "superuser"]
    return SimpleNamespace(
        organisation=organisation,
        project=project,
        facilitator=facilitator,
        professional=professional,
        participant=participant,
        stages=stages,
        answer=answer,
        anonymous=anonymous,
        vote=vote,
        comment=comment,
        closed=closed,
        outcome=outcome,
        invitation=invitation,
        reminder=reminder,
        # What the admin dashboard lists of this organisation, by model.
        objects={
            "projects.organisation": [organisation],
            "projects.project": [project],
            "projects.membership": [facilitator, professional, participant],
            "projects.stage": stages,
            "projects.ladderanswer": [answer, *others],
            "projects.activity": list(Activity.objects.filter(project=project)),
            "participants.user": [
                facilitator.user,
                professional.user,
                participant.user,
                *managers,
            ],
            "participants.invitation": [invitation],
            "participants.reminderlog": [reminder],
            "decisions.decision": [anonymous, closed],
            "decisions.comment": [comment],
            "decisions.outcome": [outcome],
        },
    )


def two_organisations() -> SimpleNamespace:
    people = _people()
    return SimpleNamespace(
        people=people, organisations={key: _organisation(key, people) for key in ("A", "B")}
    )


def visible(world, role: str, model: str) -> set:
    """What this role should see of a model in the admin dashboard: the rows
    of the organisations they manage, and everything for a superuser."""
    if role == "superuser" and model == "participants.user":
        return set(User.objects.all())
    return {obj for key in SEES[role] for obj in world.organisations[key].objects[model]}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
