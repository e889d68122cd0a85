"""Roles, spelt one way for every app's tests, and the worlds that hold them.

Every role table in the tests (a page's status for each role, who may see
what in the admin) is keyed by the names below, and every world gives
``world.users[role]`` (or ``world.people[role]`` in the admin's world) for
them. Use the constants or the same strings; do not invent other spellings.

On a project's pages (``ROLES``, ``role_world``):

- ``signed_out``: nobody signed in (the user is None);
- ``outsider``: signed in, in no project, managing nothing;
- ``participant``, ``professional``: members with that label;
- ``facilitator``: a professional member who facilitates;
- ``manager``: manages the project's organisation and is not a member;
- ``staff``: may use the admin (is_staff and, in a project's world, is_superuser
  too: the site must give the admin's powers nothing), in no project.

In the admin, scoped by Organisation.objects.managed_by (``ADMIN_ROLES``,
``two_organisations``): ``manager_of_a``, ``manager_of_b``,
``manager_of_both``, ``staff`` (staff who manages no organisation) and
``superuser``.

The admin's world: organisation A (Riverside Council) and B (Northfield
Trust) each have one project in its first stage, with a facilitator, a second
facilitator (a professional), a participant (with access needs), a ladder
answer, an open anonymous decision with a vote and a comment, a closed
decision with an outcome, an invitation and a failed reminder. Every role but
the superuser is a non-superuser, as STYLE asks: a superuser hides every
permission bug."""

from datetime import timedelta
from types import SimpleNamespace

from django.test import Client
from django.utils import timezone

from decisions import services as decision_services
from participants.models import Invitation, ReminderLog, User
from projects import services
from projects.models import Activity, Membership
from projects.permissions import SYSTEM
from tests.factories import (
    CommentFactory,
    DecisionFactory,
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
    VoteFactory,
)

SIGNED_OUT = "signed_out"
OUTSIDER = "outsider"
PARTICIPANT = "participant"
PROFESSIONAL = "professional"
FACILITATOR = "facilitator"
MANAGER = "manager"
STAFF = "staff"
SUPERUSER = "superuser"
MANAGER_OF_A = "manager_of_a"
MANAGER_OF_B = "manager_of_b"
MANAGER_OF_BOTH = "manager_of_both"

# The members of a project, by role.
MEMBERS = [PARTICIPANT, PROFESSIONAL, FACILITATOR]
# Everyone who may see a project: its members and its organisation's managers.
VIEWERS = [*MEMBERS, MANAGER]
# Every role a project's page is tested for.
ROLES = [SIGNED_OUT, OUTSIDER, *MEMBERS, MANAGER, STAFF]


def people_around(project, **people) -> dict:
    """The people of a project's world who are not its members, by role:
    nobody signed out, an outsider, the organisation's manager and a member
    of staff. Keyword arguments give a role's user fields, e.g.
    manager={"display_name": "Mo Manager"}."""
    manager = UserFactory(**people.get(MANAGER, {}))
    project.organisation.managers.add(manager)
    return {
        SIGNED_OUT: None,
        OUTSIDER: UserFactory(**people.get(OUTSIDER, {})),
        MANAGER: manager,
        STAFF: UserFactory(is_staff=True, is_superuser=True, **people.get(STAFF, {})),
    }


def role_world(*, project=None, project_name="Riverside Day Service", **people):
    """A project (``project``, or a new one) with one person in each of
    ROLES, made with the factories, for testing a page as every role.
    Keyword arguments give each role's user fields, e.g.
    participant={"email": "pat@example.org"}."""
    if project is None:
        project = ProjectFactory(name=project_name)

    def user_fields(role):
        return {f"user__{key}": value for key, value in people.get(role, {}).items()}

    labels = {
        PARTICIPANT: (Membership.Label.PARTICIPANT, False),
        PROFESSIONAL: (Membership.Label.PROFESSIONAL, False),
        FACILITATOR: (Membership.Label.PROFESSIONAL, True),
    }
    memberships = {
        role: MembershipFactory(
            project=project, label=label, is_facilitator=facilitates, **user_fields(role)
        )
        for role, (label, facilitates) in labels.items()
    }
    users = {role: membership.user for role, membership in memberships.items()}
    users.update(people_around(project, **people))
    return SimpleNamespace(
        project=project, memberships=memberships, users={role: users[role] for role in ROLES}
    )


def sign_in(client, user):
    """Sign the test client in as ``user`` (None: signed out), whoever it was
    signed in as before; returns the user."""
    client.logout()
    if user is not None:
        client.force_login(user)
    return user


def client_for(user) -> Client:
    """A new test client signed in as ``user`` (None: signed out)."""
    client = Client()
    sign_in(client, user)
    return client


ADMIN_ROLES = [MANAGER_OF_A, MANAGER_OF_B, MANAGER_OF_BOTH, STAFF, SUPERUSER]
# Which organisations each role manages, so which it sees in the admin.
SEES = {
    MANAGER_OF_A: {"A"},
    MANAGER_OF_B: {"B"},
    MANAGER_OF_BOTH: {"A", "B"},
    STAFF: set(),
    SUPERUSER: {"A", "B"},
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
        MANAGER_OF_A: UserFactory(display_name="Mo Manager"),
        MANAGER_OF_B: UserFactory(display_name="Nia Manager", is_staff=True),
        MANAGER_OF_BOTH: UserFactory(display_name="Bo Manager", is_staff=True),
        STAFF: UserFactory(display_name="Sid Staff", is_staff=True),
        SUPERUSER: UserFactory(display_name="Root", is_staff=True, is_superuser=True),
    }


def _organisation(key: str, people: dict) -> SimpleNamespace:
    organisation_name, project_name = NAMES[key]
    organisation = OrganisationFactory(name=organisation_name)
    for role, keys in SEES.items():
        if key in keys and role != SUPERUSER:
            organisation.managers.add(people[role])
    founder = next(people[role] for role, keys in SEES.items() if key in keys)
    project = services.project_create(
        organisation=organisation, name=project_name, summary="Making things better.", actor=founder
    )
    fran = UserFactory(display_name=f"Fran {organisation_name}")
    facilitator = services.membership_add(
        project=project,
        user=fran,
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        actor=fran,
    )
    prof = UserFactory(display_name=f"Prof {organisation_name}")
    professional = services.membership_add(
        project=project,
        user=prof,
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        actor=prof,
    )
    pat = UserFactory(
        display_name=f"Pat {organisation_name}",
        access_needs=ACCESS_NEEDS,
        access_needs_other="a room with low light",
        strengths="paints murals",
    )
    participant = services.membership_add(
        project=project, user=pat, label=Membership.Label.PARTICIPANT, actor=pat
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
    decision_services.decision_close(decision_id=closed.pk, actor=SYSTEM, notify=False)
    outcome = decision_services.outcome_write(
        actor=facilitator.user, decision=closed, statement="We open late.", who="Fran"
    )
    invitation = Invitation.objects.create(
        project=project, email=f"new.{key.lower()}@example.org", label="participant"
    )
    reminder = ReminderLog.objects.create(
        user=participant.user,
        kind="stage",
        object_key=f"stage:{stages[0].pk}",
        due_at=timezone.now() - timedelta(hours=3),
        project=project,
        status=ReminderLog.Status.FAILED,
        attempts=5,
        last_error="SMTPRecipientsRefused: 550 No such mailbox",
    )
    # The first stage ends, so its ladder answers (3 of them) may be shown:
    # the admin lists no answers of a stage whose answers are still open.
    services.stage_advance(project=project, actor=facilitator.user)
    stages = list(project.stages.order_by("position"))
    managers = [people[role] for role, keys in SEES.items() if key in keys and role != SUPERUSER]
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
    if role == SUPERUSER and model == "participants.user":
        return set(User.objects.all())
    return {obj for key in SEES[role] for obj in world.organisations[key].objects[model]}
