"""A world for the tests of a member's data rights ("Your data", deleting an
account): two members of one project, each with votes (one in an anonymous
decision), comments, a ladder answer, an invitation, reminders and sign-ins,
so every test can check that one never sees the other's."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from allauth.account.models import EmailAddress
from django.utils import timezone

from decisions.models import Vote
from participants.models import Invitation, ReminderLog, SignIn
from projects.models import Activity, LadderAnswer, Membership
from projects.time_given.models import Claim, Contribution
from tests.factories import (
    CommentFactory,
    DecisionFactory,
    MembershipFactory,
    ProjectFactory,
    StageFactory,
    UserFactory,
    VoteFactory,
)

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def add_things(membership, stage, count: int, *, prefix: str, anonymous_decision, open_decision):
    """``count`` each of votes, comments, ladder answers, reminders,
    sign-ins and activity lines for one member, all with words that start
    with ``prefix`` so a page can be searched for them."""
    user, project = membership.user, membership.project
    now = timezone.now()
    for index in range(count):
        decision = (
            anonymous_decision
            if index == 0
            else DecisionFactory(
                project=project,
                stage=stage,
                proposer=membership,
                title=f"{prefix} proposal {index}",
            )
        )
        VoteFactory(
            decision=decision,
            member=membership,
            choice=Vote.Choice.DISAGREE,
            reason=f"{prefix} reason {index}",
            cast_at=now - timedelta(minutes=count - index),
        )
        CommentFactory(
            decision=open_decision,
            author=membership,
            body=f"{prefix} comment {index}",
            created_at=now - timedelta(minutes=count - index),
        )
        ReminderLog.objects.create(
            user=user,
            kind="new_decision",
            object_key=f"decision:{decision.pk}",
            due_at=now - timedelta(days=index),
            project=project,
            status=ReminderLog.Status.SENT,
            sent_at=now - timedelta(days=index),
        )
        SignIn.objects.create(
            user=user,
            ip_address=f"192.0.2.{index + 1}",
            user_agent=FIREFOX,
            signed_in_at=now - timedelta(hours=index + 1),
        )
        Activity.objects.create(
            project=project, actor=user, summary=f"{user.display_name} did thing {index}"
        )
        contribution = Contribution.objects.create(
            membership=membership,
            kind=Contribution.Kind.MEETING,
            date=now.date() - timedelta(days=index),
            minutes=90,
            note=f"{prefix} meeting note {index}",
            logged_by=user,
            status=Contribution.Status.CONFIRMED,
        )
        Claim.objects.create(
            contribution=contribution,
            how=Claim.How.VOUCHER,
            status=Claim.Status.WAITING,
            currency="GBP",
            for_time=Decimal("15.10"),
            travel_costs=Decimal("0.20"),
            amount=Decimal("15.30"),
        )
    LadderAnswer.objects.create(
        stage=stage, membership=membership, rung=5, comment=f"{prefix} ladder comment"
    )


def build(count: int = 2):
    project = ProjectFactory(name="Riverside Day Service", timezone="Europe/London")
    stage = StageFactory(project=project, current=True, name="Ideas", position=0)
    me = MembershipFactory(
        project=project,
        label=Membership.Label.PARTICIPANT,
        user__display_name="Pat Paterson",
        user__email="pat@example.org",
        user__access_needs=["bsl", "other"],
        user__access_needs_other="Pat needs a hearing loop too",
        user__strengths="Pat is good at listening",
        user__contact_details="Pat phone 07700 900123",
    )
    other = MembershipFactory(
        project=project,
        label=Membership.Label.PROFESSIONAL,
        user__display_name="Olu Other",
        user__email="olu@example.org",
        user__access_needs=["step_free"],
        user__strengths="Olu strengths",
        user__contact_details="Olu phone 07700 900999",
    )
    facilitator = MembershipFactory(
        project=project,
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        user__display_name="Sam Okafor",
    )
    anonymous = DecisionFactory(
        project=project, stage=stage, proposer=facilitator, title="Secret ballot", is_anonymous=True
    )
    open_decision = DecisionFactory(
        project=project, stage=stage, proposer=facilitator, title="Opening hours"
    )
    add_things(
        me, stage, count, prefix="Pat", anonymous_decision=anonymous, open_decision=open_decision
    )
    add_things(
        other,
        stage,
        count,
        prefix="Olu",
        anonymous_decision=anonymous,
        open_decision=open_decision,
    )
    EmailAddress.objects.create(user=me.user, email="pat.work@example.org", verified=False)
    Invitation.objects.create(
        project=ProjectFactory(name="Northfield Library"),
        email="Pat.Work@example.org",
        label=Membership.Label.PARTICIPANT,
        invited_by=facilitator.user,
    )
    Invitation.objects.create(
        project=project, email="olu.home@example.org", label=Membership.Label.PROFESSIONAL
    )
    return SimpleNamespace(
        project=project,
        stage=stage,
        me=me,
        other=other,
        facilitator=facilitator,
        anonymous=anonymous,
        open_decision=open_decision,
        outsider=UserFactory(display_name="Olly Outside"),
    )
