"""Load a small demo: an organisation with a project in its third stage
(participants and professionals, ladder answers, open decisions of each kind
and a closed decision with its outcome), its two project managers (one the
site's superuser, one an ordinary manager), and a second organisation with
its own manager and project, so that each manager's admin shows only their
own organisation. Running it again changes nothing."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from decisions import reminders as decision_reminders
from decisions.models import Comment, Decision, Option, Outcome, Vote
from decisions.services import decision_close
from participants.models import User
from participants.reminders.planning import plan_after_commit
from participants.reminders.scheduling import project_recipients, schedule
from projects.models import Activity, LadderAnswer, Membership, Organisation, Project, Stage
from projects.permissions import SYSTEM

DEMO_PASSWORD = "coproduce-demo"  # noqa: S105  (public on purpose: demo data only)
ORGANISATION_SLUG = "riverside-council"

PEOPLE = [
    # email, name, label, facilitator
    ("sam@example.org", "Sam Okafor", Membership.Label.PROFESSIONAL, True),
    ("aisha@example.org", "Aisha Rahman", Membership.Label.PARTICIPANT, False),
    ("joan@example.org", "Joan Price", Membership.Label.PARTICIPANT, False),
    ("tom@example.org", "Tom Walsh", Membership.Label.PARTICIPANT, False),
    ("priya@example.org", "Priya Shah", Membership.Label.PROFESSIONAL, False),
    ("mark@example.org", "Mark Evans", Membership.Label.PROFESSIONAL, False),
]
MANAGER = ("helen@example.org", "Helen Clarke")  # also the site's superuser
SECOND_MANAGER = ("ravi@example.org", "Ravi Patel")  # manages Riverside only
OTHER_ORGANISATION = ("Northfield Health Trust", "northfield-health-trust")
OTHER_MANAGER = ("nina@example.org", "Nina Brooks")  # manages Northfield only
OTHER_PEOPLE = [
    ("lee@example.org", "Lee Morgan", Membership.Label.PROFESSIONAL, True),
    ("grace@example.org", "Grace Adeyemi", Membership.Label.PARTICIPANT, False),
    ("owen@example.org", "Owen Hughes", Membership.Label.PARTICIPANT, False),
]
# A few members' access needs and reminder preferences, so facilitators see
# them on the members page and the outbox shows each email format.
PROFILES = {
    "joan@example.org": {
        "access_needs": [User.AccessNeed.LARGE_PRINT, User.AccessNeed.STEP_FREE],
        "reminder_format": User.ReminderFormat.LARGE_PRINT,
        "strengths": "I have used the day service for twelve years.",
    },
    "tom@example.org": {
        "access_needs": [User.AccessNeed.BSL, User.AccessNeed.EXTRA_TIME],
        "reminder_format": User.ReminderFormat.EASY_WORDS,
    },
    "aisha@example.org": {
        "access_needs": [User.AccessNeed.QUIET_SPACE, User.AccessNeed.OTHER],
        "access_needs_other": "Meetings in the morning, please: I get tired later in the day.",
        "reminder_format": User.ReminderFormat.PLAIN_TEXT,
        "strengths": "Organising events, and talking to people new to the service.",
    },
}


def sign_in_details() -> str:
    lines = [
        "Demo sign-in details (password for everyone: " + DEMO_PASSWORD + "):",
        "  aisha@example.org   participant",
        "  priya@example.org   professional",
        "  sam@example.org     facilitator",
        "  helen@example.org   project manager of Riverside Council, and site superuser",
        "  ravi@example.org    project manager of Riverside Council (/manage/, /admin/)",
        "  nina@example.org    project manager of Northfield Health Trust only",
        "Or sign in with a code: it is emailed, so look in the outbox.",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo organisation, project, members and decisions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off (never in production).",
        )

    def handle(self, *args, force, **options):
        if not (settings.DEBUG or force):
            raise CommandError("The demo has public passwords: load it only with DEBUG=true.")
        if not Organisation.objects.filter(slug=ORGANISATION_SLUG).exists():
            self._load()
            if options["verbosity"]:
                self.stdout.write("Loaded the demo data.")
        return sign_in_details()

    @transaction.atomic
    def _load(self):
        now = timezone.now()
        people = {}
        for email, name, _label, _facilitator in PEOPLE:
            people[email] = _person(email, name, **PROFILES.get(email, {}))
        helen = _person(*MANAGER, is_staff=True, is_superuser=True)
        ravi = _person(*SECOND_MANAGER, is_staff=True)

        organisation = Organisation.objects.create(name="Riverside Council", slug=ORGANISATION_SLUG)
        organisation.managers.add(helen, ravi)
        _other_organisation(now)
        project = Project.objects.create(
            organisation=organisation,
            name="Riverside Day Service",
            summary=(
                "We are changing how the Riverside day service works. People who use it, "
                "their carers and the staff are designing the changes together."
            ),
            audience="People who use the Riverside day service, their carers, and staff",
            starts_on=(now - timedelta(days=60)).date(),
            ends_on=(now + timedelta(days=180)).date(),
        )
        members = {}
        for index, (email, _name, label, facilitator) in enumerate(PEOPLE):
            members[email] = Membership.objects.create(
                project=project,
                user=people[email],
                label=label,
                is_facilitator=facilitator,
                joined_at=now - timedelta(days=60 - index),
            )
        sam = people["sam@example.org"]

        aims = {
            0: "Meet each other, agree how we work together and what support people need.",
            1: "Hear what matters most to people who use the day service and their carers.",
            2: "Collect ideas for better opening hours and activities.",
        }
        stages = []
        for position, name in enumerate(Stage.DEFAULT_NAMES):
            started = ended = None
            if position < 2:
                started = now - timedelta(days=60 - 20 * position)
                ended = started + timedelta(days=20)
            elif position == 2:
                started = now - timedelta(days=20)
            stages.append(
                Stage.objects.create(
                    project=project,
                    position=position,
                    name=name,
                    aims=aims.get(position, ""),
                    started_at=started,
                    started_by=sam if started else None,
                    ended_at=ended,
                    ended_by=sam if ended else None,
                    what_was_done=(
                        "Two meetings at the day centre, with a BSL interpreter.\n"
                        "A survey in easy words."
                    )
                    if ended
                    else "",
                    outcomes="A list of what matters most, agreed by everyone." if ended else "",
                )
            )
        rungs = {
            "aisha@example.org": 5,
            "joan@example.org": 4,
            "tom@example.org": 6,
            "priya@example.org": 6,
            "mark@example.org": 7,
            "sam@example.org": 6,
        }
        # Why some chose their rung: shown to members without names.
        ladder_comments = {
            (1, "joan@example.org"): "We were asked a lot, but I am not sure we were heard.",
            (1, "tom@example.org"): "The BSL interpreter at every meeting made a big difference.",
            (1, "mark@example.org"): "Everyone's ideas went into the list of what matters.",
        }
        for stage in stages[:3]:
            for email, rung in rungs.items():
                if stage.position == 2 and email == "aisha@example.org":
                    continue  # Aisha has not answered yet, so she can try it.
                LadderAnswer.objects.create(
                    stage=stage,
                    membership=members[email],
                    rung=rung - (stage.position == 0),
                    comment=ladder_comments.get((stage.position, email), ""),
                )

        current = stages[2]
        closed = Decision.objects.create(
            project=project,
            stage=stages[1],
            proposer=members["joan@example.org"],
            title="Meet on Tuesday mornings",
            description="Hold our project meetings on Tuesday mornings at the day centre.",
            easy_words="We meet on Tuesday mornings.\nWe meet at the day centre.",
            kind=Decision.Kind.CONSENT,
            closes_at=now - timedelta(days=30),
            created_at=now - timedelta(days=37),
        )
        for email, choice in [
            ("aisha@example.org", Vote.Choice.AGREE),
            ("joan@example.org", Vote.Choice.AGREE),
            ("tom@example.org", Vote.Choice.AGREE),
            ("priya@example.org", Vote.Choice.AGREE),
            ("mark@example.org", Vote.Choice.DISAGREE),
        ]:
            Vote.objects.create(
                decision=closed,
                member=members[email],
                choice=choice,
                cast_at=now - timedelta(days=33),
            )
        # Closed by the real service, so its tally has the shape of real ones;
        # no notice is sent for a decision that closed a month ago.
        decision_close(decision_id=closed.pk, actor=SYSTEM, notify=False)
        Outcome.objects.create(
            decision=closed,
            statement="Meetings are on Tuesdays from 10am to 12pm in the garden room.",
            who="Sam books the room and the BSL interpreter.",
            by_when=(now - timedelta(days=25)).date(),
            easy_words="We meet on Tuesdays.\nWe meet from 10 to 12 in the morning.",
            written_by=sam,
            created_at=now - timedelta(days=29),
            updated_at=now - timedelta(days=29),
        )

        consent = Decision.objects.create(
            project=project,
            stage=current,
            proposer=members["aisha@example.org"],
            title="Open the day centre until 6pm",
            description=(
                "Many of us cannot get to the centre before 10am. "
                "Opening until 6pm on weekdays would let more people come."
            ),
            easy_words="The day centre stays open later.\nIt closes at 6pm.\nMore people can come.",
            kind=Decision.Kind.CONSENT,
            closes_at=now + timedelta(days=3),
        )
        Vote.objects.create(
            decision=consent, member=members["tom@example.org"], choice=Vote.Choice.AGREE
        )
        Vote.objects.create(
            decision=consent,
            member=members["joan@example.org"],
            choice=Vote.Choice.AGREE,
            channel=Vote.Channel.PHONE,
            recorded_by=sam,
        )
        Comment.objects.create(
            decision=consent,
            author=members["priya@example.org"],
            body="We would need one more member of staff in the afternoon. I think we can do it.",
        )
        Comment.objects.create(
            decision=consent,
            author=members["tom@example.org"],
            body="Yes please. My bus does not get in until 10.",
        )

        choice = Decision.objects.create(
            project=project,
            stage=current,
            proposer=members["priya@example.org"],
            title="Choose the new drop-in times",
            description="Which time should the weekly drop-in session be?",
            kind=Decision.Kind.CHOICE,
            closes_at=now + timedelta(days=5),
            is_anonymous=True,
        )
        options = [
            Option.objects.create(decision=choice, position=i, text=text)
            for i, text in enumerate(
                ["Monday 2pm to 4pm", "Wednesday 10am to 12pm", "Friday 1pm to 3pm"]
            )
        ]
        Vote.objects.create(
            decision=choice,
            member=members["mark@example.org"],
            choice=Vote.Choice.OPTION,
            option=options[1],
        )

        for summary, days_ago, actor in [
            ("Priya proposed “Choose the new drop-in times”", 1, people["priya@example.org"]),
            ("Aisha proposed “Open the day centre until 6pm”", 2, people["aisha@example.org"]),
            ("Sam moved the project to the stage “Ideas”", 20, sam),
        ]:
            Activity.objects.create(
                project=project,
                actor=actor,
                summary=summary,
                created_at=now - timedelta(days=days_ago),
            )

        # Reminders to watch arrive in var/outbox/ and on the console: a vote
        # that closes 3 minutes after the demo loads (a closing-soon reminder
        # 2 minutes before, to members who have not voted; then the result,
        # when beat closes it), and the open decisions announced as if new.
        soon = Decision.objects.create(
            project=project,
            stage=current,
            proposer=members["sam@example.org"],
            title="Paint the garden room green",
            description="Paint the garden room a calm green before the summer.",
            easy_words="We paint the garden room.\nIt will be green.",
            kind=Decision.Kind.CONSENT,
            closes_at=now + timedelta(minutes=3),
        )
        for email in ["tom@example.org", "priya@example.org"]:
            Vote.objects.create(decision=soon, member=members[email], choice=Vote.Choice.AGREE)
        _plan_reminders([consent, choice, soon], soon)
        _time_given(project, members, now)


def _time_given(project, members, now):
    """Time given and what the project offers for it: £15 an hour, as a
    payment or a voucher, and travel paid back. Aisha has time confirmed
    (one claim waiting, one approved and one she has not chosen for yet) and
    a meeting to check; Joan has a claim approved, waiting to be paid."""
    from decimal import Decimal

    from projects.time_given.models import Claim, ClaimEvent, Contribution, RecognitionPolicy

    sam = members["sam@example.org"]
    RecognitionPolicy.objects.create(
        project=project,
        value=RecognitionPolicy.Value.HOURLY,
        rate=Decimal("15.00"),
        as_payment=True,
        as_voucher=True,
        travel_costs=True,
        details="Vouchers are for the Co-op. Ask Sam if you have a question.",
        updated_by=sam.user,
    )
    confirmed, waiting = Contribution.Status.CONFIRMED, Contribution.Status.WAITING
    lines = {}
    for key, email, kind, days_ago, minutes, status, note in [
        ("aisha-meeting", "aisha@example.org", "meeting", 20, 120, confirmed, "Planning day"),
        ("aisha-reading", "aisha@example.org", "reviewing", 15, 45, confirmed, ""),
        ("aisha-travel", "aisha@example.org", "travel", 9, 40, confirmed, "Bus to the library"),
        ("aisha-check", "aisha@example.org", "meeting", 2, 90, waiting, "Garden room visit"),
        ("joan-meeting", "joan@example.org", "meeting", 20, 120, confirmed, "Planning day"),
        ("tom-meeting", "tom@example.org", "meeting", 20, 120, confirmed, "Planning day"),
        ("sam-meeting", "sam@example.org", "meeting", 20, 120, confirmed, "Planning day"),
        ("priya-prep", "priya@example.org", "preparation", 21, 60, confirmed, ""),
    ]:
        lines[key] = Contribution.objects.create(
            membership=members[email],
            kind=kind,
            date=(now - timedelta(days=days_ago)).date(),
            minutes=minutes,
            note=note,
            status=status,
            logged_by=sam.user,
            checked_at=now if status == confirmed else None,
        )
    for key, status, amount, who in [
        ("aisha-meeting", Claim.Status.APPROVED, Decimal("30.00"), sam.user),
        ("aisha-reading", Claim.Status.WAITING, Decimal("11.25"), None),
        ("joan-meeting", Claim.Status.APPROVED, Decimal("30.00"), sam.user),
    ]:
        line = lines[key]
        claim = Claim.objects.create(
            contribution=line,
            how=Claim.How.VOUCHER if key.startswith("joan") else Claim.How.PAYMENT,
            status=status,
            currency=project.organisation.currency,
            for_time=amount,
            amount=amount,
        )
        ClaimEvent.objects.create(
            claim=claim,
            actor=line.membership.user,
            what="Claim made",
            after=claim.get_how_display(),
        )
        if who is not None:
            ClaimEvent.objects.create(
                claim=claim,
                actor=who,
                what="Status",
                before=Claim.Status.WAITING.label,
                after=Claim.Status.APPROVED.label,
            )


def _other_organisation(now):
    """Northfield: a second organisation, its own manager and a small project,
    which Riverside's managers must never see (only the superuser does)."""
    name, slug = OTHER_ORGANISATION
    organisation = Organisation.objects.create(name=name, slug=slug)
    organisation.managers.add(_person(*OTHER_MANAGER, is_staff=True))
    project = Project.objects.create(
        organisation=organisation,
        name="Northfield Carers' Café",
        summary="Carers and staff are planning a weekly café where carers can meet and rest.",
        audience="Unpaid carers in Northfield, and the trust's carer support staff",
        starts_on=(now - timedelta(days=10)).date(),
        ends_on=(now + timedelta(days=120)).date(),
        timezone="Europe/London",
    )
    members = {
        email: Membership.objects.create(
            project=project,
            user=_person(email, person_name),
            label=label,
            is_facilitator=facilitator,
            joined_at=now - timedelta(days=10),
        )
        for email, person_name, label, facilitator in OTHER_PEOPLE
    }
    for position, stage_name in enumerate(Stage.DEFAULT_NAMES):
        Stage.objects.create(
            project=project,
            position=position,
            name=stage_name,
            started_at=now - timedelta(days=10) if position == 0 else None,
            started_by=members["lee@example.org"].user if position == 0 else None,
        )
    Decision.objects.create(
        project=project,
        stage=project.stages.get(position=0),
        proposer=members["grace@example.org"],
        title="Hold the café on Thursday afternoons",
        description="Thursday afternoons suit most carers: the day centre is open then.",
        kind=Decision.Kind.CONSENT,
        closes_at=now + timedelta(days=6),
    )


def _plan_reminders(decisions, soon):
    """Hand the new decisions over to reminders as the services do (planned
    once the demo's transaction commits), and remind the members of the
    three-minute vote two minutes before it closes."""
    for decision in decisions:
        plan_after_commit(decision_reminders.DECISION_PROPOSED, decision.pk)
    schedule(
        kind="closing_soon",
        object_key=f"decision:{soon.pk}",
        due_at=soon.closes_at - timedelta(minutes=2),
        recipients=project_recipients(soon.project_id),
        project=soon.project,
        deadline=soon.closes_at,
    )


def _person(email, name, **extra):
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name, **extra)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user
