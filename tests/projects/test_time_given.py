"""Time given, logged and recognised: contributions, the project's totals,
each member's history and its CSV, recognition policies, claims and their
history, the managers' claims pages and the admin, for every role (all
non-superusers but ``staff``, who is one and is treated like anyone on the
site). Money is Decimal from the form to the CSV."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from projects import services as project_services
from projects.models import Claim, ClaimEvent, Contribution, Membership, RecognitionPolicy
from projects.time_given import money, services
from tests.factories import MembershipFactory, OrganisationFactory, ProjectFactory, UserFactory
from tests.roles import (
    FACILITATOR,
    MANAGER,
    OUTSIDER,
    PARTICIPANT,
    PROFESSIONAL,
    SIGNED_OUT,
    STAFF,
    client_for,
)

OTHER_MANAGER = "other_manager"
ALL_ROLES = [
    SIGNED_OUT,
    OUTSIDER,
    PARTICIPANT,
    PROFESSIONAL,
    FACILITATOR,
    MANAGER,
    STAFF,
    OTHER_MANAGER,
]
TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def people(world):
    """The project's world, and a manager of another organisation."""
    other = OrganisationFactory(name="Northfield Trust")
    other_manager = UserFactory(display_name="Nia Other")
    other.managers.add(other_manager)
    return {**world.users, OTHER_MANAGER: other_manager}


def _policy(
    project, *, actor, rate="15.00", value="hourly", payment=True, voucher=True, travel=True
):
    return services.policy_save(
        project=project,
        value=value,
        rate=Decimal(rate),
        as_payment=payment,
        as_voucher=voucher,
        travel_costs=travel,
        actor=actor,
    )


def _log(membership, minutes=60, kind="meeting", date=YESTERDAY):
    return services.contribution_log(
        membership=membership, kind=kind, date=date, minutes=minutes, actor=membership.user
    )


def _url(name, project=None, **kwargs):
    if project is not None:
        kwargs["slug"] = project.slug
    return reverse(f"time:{name}", kwargs=kwargs)


# --- money -----------------------------------------------------------------------------


def test_money_is_rounded_half_up_to_the_currency_s_minor_unit():
    assert money.rounded(Decimal("1.005"), "GBP") == Decimal("1.01")
    assert money.rounded(Decimal("1.004"), "GBP") == Decimal("1.00")
    assert money.rounded(Decimal("1500.5"), "JPY") == Decimal("1501")
    assert money.rounded(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert money.money(Decimal("1500"), "JPY") == "¥1,500"
    assert money.money(Decimal("12.5"), "GBP") == "£12.50"
    assert money.money(Decimal("2"), "KWD") == "2.000 KWD"
    with pytest.raises(TypeError):
        money.rounded(0.1, "GBP")


def test_tenths_and_fifths_of_an_hour_add_up_exactly():
    rate = Decimal("0.30")
    ten = money.for_time(minutes=20, hourly_rate=rate, currency="GBP")
    twenty = money.for_time(minutes=40, hourly_rate=rate, currency="GBP")
    assert (ten, twenty) == (Decimal("0.10"), Decimal("0.20"))
    assert ten + twenty == Decimal("0.30")
    assert money.for_time(minutes=90, hourly_rate=Decimal("1001"), currency="JPY") == Decimal(
        "1502"
    )


@pytest.mark.parametrize(
    ("typed", "currency", "amount"),
    [
        ("12.50", "GBP", Decimal("12.50")),
        ("£12.5", "GBP", Decimal("12.5")),
        (" 1,500 ", "JPY", Decimal("1500")),
        ("¥1500", "JPY", Decimal("1500")),
        ("12.500", "GBP", Decimal("12.500")),
        ("0.10", "GBP", Decimal("0.10")),
    ],
)
def test_typed_amounts_are_read_as_decimals(typed, currency, amount):
    parsed = money.parse(typed, currency, what="amount")
    assert isinstance(parsed, Decimal)
    assert parsed == amount


@pytest.mark.parametrize(
    ("typed", "currency", "message"),
    [
        ("12.505", "GBP", "at most 2 numbers after the point"),
        ("15.5", "JPY", "in whole Japanese yen"),
        ("twelve", "GBP", "as a number of pounds, like 12.50"),
        ("-3", "GBP", "cannot be less than 0"),
        ("NaN", "GBP", "as a number of pounds"),
        ("1e9", "GBP", "must be less than"),
    ],
)
def test_typed_amounts_that_are_not_money_get_plain_messages(typed, currency, message):
    with pytest.raises(ValidationError) as refused:
        money.parse(typed, currency, what="amount")
    assert message in refused.value.messages[0]


# --- logging time ------------------------------------------------------------------------


def test_a_member_logs_their_own_time_and_it_counts_at_once(world):
    participant = world.memberships[PARTICIPANT]
    client = client_for(participant.user)
    response = client.post(
        _url("log", world.project),
        {
            "kind": "reviewing",
            "date_day": YESTERDAY.day,
            "date_month": YESTERDAY.month,
            "date_year": YESTERDAY.year,
            "duration_hours": "1",
            "duration_minutes": "30",
            "note": "Read the <b>plans</b>",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    line = Contribution.objects.get(membership=participant)
    assert (line.minutes, line.status, line.logged_by) == (90, "confirmed", participant.user)
    page = client.get(_url("project", world.project)).content.decode()
    assert "1 hour 30 minutes" in page
    assert "Read the &lt;b&gt;plans&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("hours", "minutes", "message"),
    [
        ("", "", "Enter how long it took, in hours, minutes or both"),
        ("one", "30", "Enter hours and minutes as whole numbers, like 1 and 30"),
        ("1", "75", "Minutes must be a whole number from 0 to 59"),
        ("0", "0", "Enter a time longer than 0 minutes"),
        ("25", "", "Enter 24 hours or less"),
        ("1.5", "", "Enter hours and minutes as whole numbers"),
    ],
)
def test_a_bad_duration_gets_a_plain_message_and_keeps_what_was_typed(
    world, hours, minutes, message
):
    client = client_for(world.users[PARTICIPANT])
    response = client.post(
        _url("log", world.project),
        {
            "kind": "meeting",
            "date_day": "3",
            "date_month": "2",
            "date_year": "2020",
            "duration_hours": hours,
            "duration_minutes": minutes,
        },
    )
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert message in page
    assert page.count("<title>Error: ") == 1
    if hours:
        assert f'value="{hours}"' in page
    assert 'value="2020"' in page
    assert not Contribution.objects.exists()


def test_time_cannot_be_logged_for_a_day_still_to_come(world):
    client = client_for(world.users[PARTICIPANT])
    tomorrow = TODAY + timedelta(days=2)
    response = client.post(
        _url("log", world.project),
        {
            "kind": "meeting",
            "date_day": tomorrow.day,
            "date_month": tomorrow.month,
            "date_year": tomorrow.year,
            "duration_hours": "1",
        },
    )
    assert "The date cannot be in the future" in response.content.decode()
    assert not Contribution.objects.exists()


def test_nobody_logs_time_for_someone_else_as_their_own(world):
    with pytest.raises(PermissionDenied):
        services.contribution_log(
            membership=world.memberships[PARTICIPANT],
            kind="meeting",
            date=YESTERDAY,
            minutes=30,
            actor=world.users[FACILITATOR],
        )


def test_a_meeting_waits_for_each_attendee_to_check_it(world):
    facilitator = world.memberships[FACILITATOR]
    participant = world.memberships[PARTICIPANT]
    professional = world.memberships[PROFESSIONAL]
    client = client_for(facilitator.user)
    response = client.post(
        _url("meeting", world.project),
        {
            "attendees": [participant.pk, professional.pk, facilitator.pk],
            "date_day": YESTERDAY.day,
            "date_month": YESTERDAY.month,
            "date_year": YESTERDAY.year,
            "duration_hours": "2",
            "duration_minutes": "0",
            "note": "Planning day",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    lines = {line.membership_id: line for line in Contribution.objects.all()}
    assert lines[facilitator.pk].status == "confirmed"
    assert lines[participant.pk].status == "waiting"
    assert lines[professional.pk].status == "waiting"
    page = client.get(_url("project", world.project)).content.decode()
    assert "Everyone</th><td>2 hours</td>" in page  # only the facilitator's own counts yet

    # The participant was there, for less time; the professional was not.
    pat = client_for(participant.user)
    check = _url("check", world.project, pk=lines[participant.pk].pk)
    assert "Planning day" in pat.get(check).content.decode()
    pat.post(
        check,
        {"was_there": "yes", "duration_hours": "1", "duration_minutes": "15", "note": "Left early"},
    )
    prof = client_for(professional.user)
    prof.post(_url("check", world.project, pk=lines[professional.pk].pk), {"was_there": "no"})
    checked = {line.membership_id: line for line in Contribution.objects.all()}
    assert (checked[participant.pk].status, checked[participant.pk].minutes) == ("confirmed", 75)
    assert checked[participant.pk].note == "Left early"
    assert checked[professional.pk].status == "not_there"
    page = client.get(_url("project", world.project)).content.decode()
    assert "Everyone</th><td>3 hours 15 minutes</td>" in page
    assert "Participants</th><td>1 hour 15 minutes</td><td>1</td>" in page
    assert "Professionals</th><td>2 hours</td><td>1</td>" in page
    # Checked once: a second answer changes nothing.
    pat.post(check, {"was_there": "no"})
    assert Contribution.objects.get(pk=lines[participant.pk].pk).status == "confirmed"


def test_checking_a_meeting_needs_an_answer_and_a_time(world):
    facilitator = world.users[FACILITATOR]
    participant = world.memberships[PARTICIPANT]
    (line,) = services.meeting_log(
        project=world.project,
        attendees=[participant],
        date=YESTERDAY,
        minutes=60,
        actor=facilitator,
    )
    client = client_for(participant.user)
    check = _url("check", world.project, pk=line.pk)
    assert "Say whether you were there" in client.post(check, {}).content.decode()
    page = client.post(check, {"was_there": "yes", "duration_hours": "", "duration_minutes": ""})
    assert "Enter how long you were there" in page.content.decode()
    line.refresh_from_db()
    assert line.status == "waiting"


def test_only_the_attendee_checks_their_line(world):
    participant = world.memberships[PARTICIPANT]
    (line,) = services.meeting_log(
        project=world.project,
        attendees=[participant],
        date=YESTERDAY,
        minutes=60,
        actor=world.users[FACILITATOR],
    )
    for role in (PROFESSIONAL, FACILITATOR):
        response = client_for(world.users[role]).get(_url("check", world.project, pk=line.pk))
        assert response.status_code == HTTPStatus.NOT_FOUND
        with pytest.raises(PermissionDenied):
            services.contribution_check(contribution=line, was_there=True, actor=world.users[role])
    assert (
        client_for(world.users[MANAGER]).get(_url("check", world.project, pk=line.pk)).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_a_meeting_is_logged_only_for_current_members_of_the_project(world):
    stranger = MembershipFactory()  # in another project
    with pytest.raises(ValidationError):
        services.meeting_log(
            project=world.project,
            attendees=[stranger],
            date=YESTERDAY,
            minutes=60,
            actor=world.users[FACILITATOR],
        )
    response = client_for(world.users[FACILITATOR]).post(
        _url("meeting", world.project),
        {
            "attendees": [stranger.pk],
            "date_day": "1",
            "date_month": "1",
            "date_year": "2025",
            "duration_hours": "1",
        },
    )
    assert "Choose people who are members of this project now" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.meeting_log(
            project=world.project,
            attendees=[world.memberships[PARTICIPANT]],
            date=YESTERDAY,
            minutes=60,
            actor=world.users[PARTICIPANT],
        )
    assert not Contribution.objects.exists()


def test_with_many_members_the_facilitator_searches_for_who_came(world):
    for index in range(31):
        MembershipFactory(project=world.project, user__display_name=f"Zed {index}")
    client = client_for(world.users[FACILITATOR])
    page = client.get(_url("meeting", world.project)).content.decode()
    assert 'name="find"' in page
    assert 'name="attendees"' not in page
    found = client.get(_url("meeting", world.project), {"find": "Pat"}).content.decode()
    assert "1 member with “Pat” in their name." in found
    assert found.count('name="attendees"') == 1
    assert "Pat Participant" in found
    assert "Zed 3" not in found


# --- who sees which page --------------------------------------------------------------------


def _status(client, url):
    response = client.get(url)
    return response.status_code


PAGES_FOR_MEMBERS = ["project", "log"]
PAGES_FOR_FACILITATORS = ["meeting", "policy", "claims"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_project_page_of_time_given_for_every_role(world, people, role):
    client = client_for(people[role])
    expected_member = {
        SIGNED_OUT: HTTPStatus.FOUND,
        OUTSIDER: HTTPStatus.NOT_FOUND,
        PARTICIPANT: HTTPStatus.OK,
        PROFESSIONAL: HTTPStatus.OK,
        FACILITATOR: HTTPStatus.OK,
        MANAGER: HTTPStatus.OK,
        STAFF: HTTPStatus.NOT_FOUND,
        OTHER_MANAGER: HTTPStatus.NOT_FOUND,
    }[role]
    assert _status(client, _url("project", world.project)) == expected_member
    # Logging your own time is for members; a manager who is not one is refused.
    log_status = {MANAGER: HTTPStatus.FORBIDDEN}.get(role, expected_member)
    assert _status(client, _url("log", world.project)) == log_status
    facilitators = {
        PARTICIPANT: HTTPStatus.FORBIDDEN,
        PROFESSIONAL: HTTPStatus.FORBIDDEN,
    }.get(role, expected_member)
    for name in PAGES_FOR_FACILITATORS:
        assert _status(client, _url(name, world.project)) == facilitators, name
    if role == SIGNED_OUT:
        assert client.get(_url("project", world.project))["Location"].startswith(
            reverse("account_login")
        )


def test_a_project_that_does_not_exist_looks_like_a_private_one(world):
    client = client_for(world.users[OUTSIDER])
    assert _status(client, "/projects/no-such-thing/time/") == HTTPStatus.NOT_FOUND


# --- what the project offers ----------------------------------------------------------------


def test_a_facilitator_sets_an_hourly_rate_as_a_decimal(world):
    client = client_for(world.users[FACILITATOR])
    response = client.post(
        _url("policy", world.project),
        {"value": "hourly", "rate": "15.50", "ways": ["payment", "voucher"], "travel_costs": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND
    policy = RecognitionPolicy.objects.get(project=world.project)
    assert policy.rate == Decimal("15.50")
    assert (policy.as_payment, policy.as_voucher, policy.travel_costs) == (True, True, True)
    page = client.get(_url("project", world.project)).content.decode()
    assert "£15.50 an hour, as a payment or a voucher" in page
    assert "Travel costs are paid back." in page
    # The form shows the rate back as it was saved.
    assert 'value="15.50"' in client.get(_url("policy", world.project)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose what the project offers"),
        ({"value": "hourly", "ways": ["payment"]}, "Enter how much the project offers"),
        ({"value": "hourly", "rate": "15.555", "ways": ["payment"]}, "at most 2 numbers"),
        ({"value": "hourly", "rate": "0", "ways": ["payment"]}, "Enter the amount, more than 0"),
        ({"value": "per_activity", "rate": "20"}, "Choose how participants can take it"),
    ],
)
def test_a_policy_that_does_not_make_sense_gets_a_plain_message(world, data, message):
    response = client_for(world.users[FACILITATOR]).post(_url("policy", world.project), data)
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert message in page
    if data.get("rate"):
        assert f'value="{data["rate"]}"' in page
    assert not RecognitionPolicy.objects.exists()


def test_a_manager_who_is_not_a_member_sets_the_policy_and_members_cannot(world, people):
    _policy(world.project, actor=world.users[MANAGER])
    assert RecognitionPolicy.objects.get().rate == Decimal("15.00")
    # (A superuser runs the site: the services let them, as the admin does.)
    for role in (PARTICIPANT, PROFESSIONAL, OTHER_MANAGER, OUTSIDER):
        with pytest.raises(PermissionDenied):
            _policy(world.project, actor=people[role], rate="99")
    assert RecognitionPolicy.objects.get().rate == Decimal("15.00")


def test_a_currency_with_no_minor_unit(world):
    organisation = world.project.organisation
    organisation.currency = "JPY"
    organisation.save()
    client = client_for(world.users[FACILITATOR])
    refused = client.post(
        _url("policy", world.project), {"value": "hourly", "rate": "1000.5", "ways": ["payment"]}
    )
    assert "in whole Japanese yen" in refused.content.decode()
    client.post(
        _url("policy", world.project), {"value": "hourly", "rate": "1,001", "ways": ["payment"]}
    )
    assert RecognitionPolicy.objects.get().rate == Decimal("1001")
    line = _log(world.memberships[PARTICIPANT], minutes=90)
    claim = services.claim_make(contribution=line, how="payment", actor=world.users[PARTICIPANT])
    assert claim.amount == Decimal("1502")  # 1501.5, half up
    assert claim.currency == "JPY"
    page = client.get(_url("claim", world.project, pk=claim.pk)).content.decode()
    assert "¥1,502" in page


def test_new_organisations_pay_in_the_site_s_currency(db, settings):
    settings.COPRODUCE_CURRENCY = "EUR"
    assert OrganisationFactory().currency == "EUR"


# --- claims -----------------------------------------------------------------------------------


@pytest.fixture
def offered(world):
    _policy(world.project, actor=world.users[FACILITATOR], rate="0.30")
    return world


def test_a_participant_chooses_and_sees_the_benefits_warning(offered):
    world = offered
    line = _log(world.memberships[PARTICIPANT], minutes=20)
    client = client_for(world.users[PARTICIPANT])
    form = client.get(_url("claim_make", world.project, pk=line.pk)).content.decode()
    assert "Payments can affect some benefits." in form
    assert "you can choose a voucher or say no thanks" in form
    assert "Ask your benefits adviser if you are not sure." in form
    assert "For your time: <strong>£0.10</strong>" in form
    response = client.post(
        _url("claim_make", world.project, pk=line.pk), {"how": "payment", "travel_costs": "2.35"}
    )
    assert response.status_code == HTTPStatus.FOUND
    claim = Claim.objects.get()
    assert (claim.for_time, claim.travel_costs, claim.amount) == (
        Decimal("0.10"),
        Decimal("2.35"),
        Decimal("2.45"),
    )
    assert claim.status == "waiting"
    assert [event.what for event in claim.events.all()] == [
        "Claim made",
        "Status",
        "Amount",
        "Travel costs",
    ]


def test_bad_travel_costs_are_refused_with_what_was_typed(offered):
    world = offered
    line = _log(world.memberships[PARTICIPANT])
    response = client_for(world.users[PARTICIPANT]).post(
        _url("claim_make", world.project, pk=line.pk), {"how": "payment", "travel_costs": "2.355"}
    )
    page = response.content.decode()
    assert "Enter the travel costs with at most 2 numbers after the point" in page
    assert 'value="2.355"' in page
    assert not Claim.objects.exists()


def test_no_thanks_is_kept_and_can_be_changed(offered):
    world = offered
    line = _log(world.memberships[PARTICIPANT], minutes=60)
    claim = services.claim_make(contribution=line, how="declined", actor=world.users[PARTICIPANT])
    assert (claim.status, claim.amount) == ("declined", Decimal("0"))
    claim = services.claim_make(contribution=line, how="voucher", actor=world.users[PARTICIPANT])
    assert (claim.status, claim.how, claim.amount) == ("waiting", "voucher", Decimal("0.30"))
    changes = [(e.what, e.before, e.after) for e in claim.events.all()]
    assert ("Choice", "No thanks", "A voucher") in changes
    assert ("Status", "No thanks", "Waiting for a facilitator to approve") in changes


@pytest.mark.parametrize("role", [PROFESSIONAL, FACILITATOR])
def test_only_participants_claim(offered, role):
    world = offered
    line = _log(world.memberships[role])
    response = client_for(world.users[role]).get(_url("claim_make", world.project, pk=line.pk))
    assert response.status_code == HTTPStatus.NOT_FOUND
    with pytest.raises(PermissionDenied):
        services.claim_make(contribution=line, how="payment", actor=world.users[role])


def test_nothing_to_claim_without_a_policy_or_for_time_not_yet_checked(world):
    participant = world.memberships[PARTICIPANT]
    line = _log(participant)
    client = client_for(participant.user)
    assert _status(client, _url("claim_make", world.project, pk=line.pk)) == HTTPStatus.NOT_FOUND
    with pytest.raises(ValidationError):
        services.claim_make(contribution=line, how="payment", actor=participant.user)
    _policy(world.project, actor=world.users[FACILITATOR])
    (waiting,) = services.meeting_log(
        project=world.project, attendees=[participant], date=YESTERDAY, minutes=60,
        actor=world.users[FACILITATOR],
    )  # fmt: skip
    assert _status(client, _url("claim_make", world.project, pk=waiting.pk)) == HTTPStatus.NOT_FOUND
    with pytest.raises(ValidationError):
        services.claim_make(contribution=waiting, how="payment", actor=participant.user)


def test_a_way_the_project_does_not_offer_is_refused(world):
    _policy(world.project, actor=world.users[FACILITATOR], voucher=False, travel=False)
    line = _log(world.memberships[PARTICIPANT])
    client = client_for(world.users[PARTICIPANT])
    response = client.post(_url("claim_make", world.project, pk=line.pk), {"how": "voucher"})
    assert "Choose one of the ways the project offers" in response.content.decode()
    assert "travel_costs" not in response.content.decode()
    assert not Claim.objects.exists()


@pytest.fixture
def claimed(offered):
    world = offered
    line = _log(world.memberships[PARTICIPANT], minutes=40)
    claim = services.claim_make(contribution=line, how="payment", actor=world.users[PARTICIPANT])
    return SimpleNamespace(world=world, claim=claim, line=line)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_claim_is_seen_by_its_participant_the_facilitators_and_the_managers(
    claimed, people, role
):
    client = client_for(people[role])
    status = client.get(_url("claim", claimed.world.project, pk=claimed.claim.pk)).status_code
    expected = {
        SIGNED_OUT: HTTPStatus.FOUND,
        PARTICIPANT: HTTPStatus.OK,
        FACILITATOR: HTTPStatus.OK,
        MANAGER: HTTPStatus.OK,
    }.get(role, HTTPStatus.NOT_FOUND)  # another member never sees it
    assert status == expected


def test_another_participant_never_sees_a_claim(claimed):
    other = MembershipFactory(project=claimed.world.project, label=Membership.Label.PARTICIPANT)
    client = client_for(other.user)
    assert _status(client, _url("claim", claimed.world.project, pk=claimed.claim.pk)) == 404
    page = client.get(_url("project", claimed.world.project)).content.decode()
    assert "£0.20" not in page
    assert _status(client, _url("claims", claimed.world.project)) == HTTPStatus.FORBIDDEN


def test_a_facilitator_approves_and_the_history_shows_each_change(claimed):
    world, claim = claimed.world, claimed.claim
    client = client_for(world.users[FACILITATOR])
    claims = client.get(_url("claims", world.project)).content.decode()
    assert "Pat Participant" in claims
    assert "£0.20" in claims
    url = _url("claim", world.project, pk=claim.pk)
    assert "Say whether" not in client.post(url, {"decision": "approve"}).content.decode()
    claim.refresh_from_db()
    assert claim.status == "approved"
    page = client_for(world.users[PARTICIPANT]).get(url).content.decode()
    assert "Fran Facilitator" in page
    assert "Waiting for a facilitator to approve</td>" in page
    assert "Approved, waiting to be paid</td>" in page
    # Approved: the participant can no longer change it, nor can it be decided again.
    assert (
        client_for(world.users[PARTICIPANT]).get(
            _url("claim_make", world.project, pk=claimed.line.pk)
        )["Location"]
        == url
    )
    with pytest.raises(ValidationError):
        services.claim_make(
            contribution=claimed.line, how="voucher", actor=world.users[PARTICIPANT]
        )
    with pytest.raises(ValidationError):
        services.claim_decide(claim=claim, approve=False, reason="x", actor=world.users[MANAGER])


def test_a_refusal_needs_a_reason_which_the_participant_reads(claimed):
    world, claim = claimed.world, claimed.claim
    client = client_for(world.users[MANAGER])
    url = _url("claim", world.project, pk=claim.pk)
    page = client.post(url, {"decision": "refuse", "reason": ""}).content.decode()
    assert "Say why the claim is not approved" in page
    client.post(url, {"decision": "refuse", "reason": "This was a <social> visit"})
    claim.refresh_from_db()
    assert (claim.status, claim.reason) == ("refused", "This was a <social> visit")
    seen = client_for(world.users[PARTICIPANT]).get(url).content.decode()
    assert "This was a &lt;social&gt; visit" in seen
    assert ("Reason", "", "This was a <social> visit") in [
        (e.what, e.before, e.after) for e in claim.events.all()
    ]


def test_members_cannot_approve_and_nobody_approves_their_own(claimed, people):
    world, claim = claimed.world, claimed.claim
    for role in (PROFESSIONAL, OTHER_MANAGER, OUTSIDER, PARTICIPANT):
        with pytest.raises(PermissionDenied):
            services.claim_decide(claim=claim, approve=True, actor=people[role])
    response = client_for(world.users[PARTICIPANT]).post(
        _url("claim", world.project, pk=claim.pk), {"decision": "approve"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    # A facilitator who is a participant makes a claim: another must approve it.
    facilitator = world.memberships[FACILITATOR]
    project_services.membership_change_label(
        membership=facilitator, label=Membership.Label.PARTICIPANT, actor=facilitator.user
    )
    own = services.claim_make(contribution=_log(facilitator), how="payment", actor=facilitator.user)
    with pytest.raises(PermissionDenied):
        services.claim_decide(claim=own, approve=True, actor=facilitator.user)
    claim.refresh_from_db()
    assert claim.status == "waiting"


# --- the managers' claims ---------------------------------------------------------------------


@pytest.fixture
def approved(claimed):
    """Two approved claims in the world's organisation (0.10 and 0.20) and
    one in another organisation."""
    world = claimed.world
    services.claim_decide(claim=claimed.claim, approve=True, actor=world.users[FACILITATOR])
    second = services.claim_make(
        contribution=_log(world.memberships[PARTICIPANT], minutes=20),
        how="voucher",
        actor=world.users[PARTICIPANT],
    )
    services.claim_decide(claim=second, approve=True, actor=world.users[FACILITATOR])
    other_project = ProjectFactory(organisation=OrganisationFactory(name="Elsewhere"))
    other_facilitator = MembershipFactory(project=other_project, is_facilitator=True,
                                          label="professional")  # fmt: skip
    other_member = MembershipFactory(project=other_project, user__display_name="Olive Else")
    _policy(other_project, actor=other_facilitator.user)
    elsewhere = services.claim_make(
        contribution=_log(other_member), how="payment", actor=other_member.user
    )
    services.claim_decide(claim=elsewhere, approve=True, actor=other_facilitator.user)
    other_manager = UserFactory(display_name="Eli Elsewhere")
    other_project.organisation.managers.add(other_manager)
    return SimpleNamespace(
        world=world,
        claims=[claimed.claim, second],
        elsewhere=elsewhere,
        other_manager=other_manager,
    )


def test_managers_see_and_export_the_approved_claims_of_their_organisations_only(approved):
    world = approved.world
    client = client_for(world.users[MANAGER])
    page = client.get(_url("manager_claims")).content.decode()
    assert "Pat Participant" in page
    assert "Olive Else" not in page
    response = client.get(_url("manager_claims_csv"))
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *lines = rows
    amounts = [Decimal(line[header.index("Amount")]) for line in lines]
    assert sorted(line[header.index("Amount")] for line in lines) == ["0.10", "0.20"]
    assert sum(amounts) == Decimal("0.30")
    assert {line[header.index("Participant")] for line in lines} == {"Pat Participant"}
    assert {line[header.index("Currency")] for line in lines} == {"GBP"}


def test_managers_mark_claims_paid_and_it_is_kept_in_the_history(approved):
    world = approved.world
    client = client_for(world.users[MANAGER])
    first, second = approved.claims
    response = client.post(_url("manager_claims"), {"claims": [first.pk]})
    assert response.status_code == HTTPStatus.FOUND
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("paid", "approved")
    event = first.events.last()
    assert (event.actor, event.what, event.after) == (world.users[MANAGER], "Status", "Paid")
    paid = client.get(_url("manager_claims"), {"status": "paid"}).content.decode()
    assert f"Claim {first.pk}" in paid
    assert f"Claim {second.pk}" not in paid
    assert (
        "Choose the claims that have been paid"
        in client.post(_url("manager_claims"), {}).content.decode()
    )


def test_a_manager_of_another_organisation_cannot_see_or_pay_these_claims(approved):
    world = approved.world
    client = client_for(approved.other_manager)
    page = client.get(_url("manager_claims")).content.decode()
    assert "Olive Else" in page
    assert "Pat Participant" not in page
    first = approved.claims[0]
    response = client.post(_url("manager_claims"), {"claims": [first.pk]})
    assert "Choose claims from the list" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.claims_mark_paid(claims=[first], actor=approved.other_manager)
    with pytest.raises(PermissionDenied):
        services.claims_mark_paid(claims=[first], actor=world.users[FACILITATOR])
    first.refresh_from_db()
    assert first.status == "approved"
    csv_text = b"".join(client.get(_url("manager_claims_csv")).streaming_content).decode()
    assert "Pat Participant" not in csv_text
    other = world.project.organisation.slug
    assert client.get(_url("manager_claims_csv"), {"organisation": other}).status_code == 404


@pytest.mark.parametrize("role", [SIGNED_OUT, OUTSIDER, PARTICIPANT, FACILITATOR, STAFF])
def test_the_managers_claims_pages_are_for_managers(world, role):
    client = client_for(world.users[role])
    for name in ("manager_claims", "manager_claims_csv"):
        expected = HTTPStatus.FOUND if role == SIGNED_OUT else HTTPStatus.NOT_FOUND
        if role == STAFF:  # a superuser manages every organisation
            expected = HTTPStatus.OK
        assert client.get(_url(name)).status_code == expected


# --- a member's own history -------------------------------------------------------------------


def test_a_member_s_history_spans_their_projects_and_downloads_as_csv(offered):
    world = offered
    participant = world.memberships[PARTICIPANT]
    elsewhere = MembershipFactory(user=participant.user, project__name="Library Project")
    _log(participant, minutes=20, kind="reviewing")
    _log(elsewhere, minutes=45, kind="training")
    claim = services.claim_make(
        contribution=Contribution.objects.get(membership=participant),
        how="payment",
        actor=participant.user,
    )
    _log(world.memberships[PROFESSIONAL], minutes=300)  # not theirs
    services.meeting_log(
        project=world.project, attendees=[participant], date=TODAY, minutes=60,
        actor=world.users[FACILITATOR],
    )  # fmt: skip
    client = client_for(participant.user)
    page = client.get(_url("yours")).content.decode()
    assert "you have given <strong>1 hour 5 minutes</strong>" in page
    assert "1 time waits for you to check it" in page
    assert "Library Project" in page
    assert "5 hours" not in page
    response = client.get(_url("yours_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, *lines = rows
    assert len(lines) == 3
    by_kind = {line[header.index("What I did")]: line for line in lines}
    assert by_kind["Training"][header.index("Project")] == "Library Project"
    reading = by_kind["Reading or checking documents"]
    assert reading[header.index("How long")] == "20 minutes"
    assert reading[header.index("Amount")] == money.plain(claim.amount, "GBP") == "0.10"
    assert by_kind["A meeting"][header.index("Checked")] == "Not yet"


def test_the_history_is_for_people_signed_in(client, db):
    assert client.get(_url("yours")).status_code == HTTPStatus.FOUND
    assert client.get(_url("yours_csv")).status_code == HTTPStatus.FOUND


# --- the admin dashboard ----------------------------------------------------------------------


def test_the_admin_shows_a_manager_only_their_organisations_claims(approved):
    world = approved.world
    manager = world.users[MANAGER]
    assert not manager.is_superuser
    assert not manager.is_staff
    client = client_for(manager)
    listing = client.get(reverse("admin:projects_claim_changelist"))
    assert listing.status_code == HTTPStatus.OK
    assert set(listing.context["cl"].result_list) == set(approved.claims)
    mine = client.get(reverse("admin:projects_claim_change", args=[approved.claims[0].pk]))
    assert mine.status_code == HTTPStatus.OK
    assert "Approved, waiting to be paid" in mine.content.decode()  # the history
    theirs = reverse("admin:projects_claim_change", args=[approved.elsewhere.pk])
    assert client.get(theirs).status_code == HTTPStatus.NOT_FOUND
    lines = client.get(reverse("admin:projects_contribution_changelist")).context["cl"]
    assert approved.elsewhere.contribution not in set(lines.result_list)
    assert client_for(approved.other_manager).get(theirs).status_code == HTTPStatus.OK
    assert ClaimEvent.objects.filter(claim=approved.elsewhere).exists()


def test_the_demo_has_time_given_a_policy_and_claims(db, settings):
    """So the pages show filled in, and the accessibility crawl reaches the
    claim form, the check form and a claim waiting for approval."""
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("demo", verbosity=0)
    aisha = UserFactory._meta.model.objects.get(email="aisha@example.org")
    project = Contribution.objects.filter(membership__user=aisha).first().membership.project
    client = client_for(aisha)
    page = client.get(_url("project", project)).content.decode()
    assert "£15.00 an hour, as a payment or a voucher" in page
    assert "Check this" in page
    assert "Choose a payment, voucher or no thanks" in page
    sam = UserFactory._meta.model.objects.get(email="sam@example.org")
    claims = client_for(sam).get(_url("claims", project)).content.decode()
    assert "Waiting for a facilitator to approve" in claims
    ravi = UserFactory._meta.model.objects.get(email="ravi@example.org")  # a manager
    assert "Joan Price" in client_for(ravi).get(_url("manager_claims")).content.decode()
