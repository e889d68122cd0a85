"""Invitations, the facilitators' page: facilitators (and the organisation's
managers) invite by email address, resend and cancel, for every role; any
staff who does not manage the organisation may not."""

import re
from datetime import UTC, datetime, timedelta
from functools import partial
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from participants.invitations.services import (
    invitation_revoke,
    invitations_create,
)
from participants.models import Invitation, ReminderLog
from projects.models import Membership
from tests.factories import MembershipFactory, ProjectFactory
from tests.participants import invitation_helpers
from tests.participants.invitation_helpers import invite, page_url, rows_posted, sent_to
from tests.roles import ADMIN_ROLES, ROLES, SEES, client_for, two_organisations

PAGE_STATUS = {
    "signed_out": HTTPStatus.NOT_FOUND,
    "outsider": HTTPStatus.NOT_FOUND,
    "participant": HTTPStatus.FORBIDDEN,
    "professional": HTTPStatus.FORBIDDEN,
    "facilitator": HTTPStatus.OK,
    "manager": HTTPStatus.OK,
    "staff": HTTPStatus.NOT_FOUND,
}


world = invitation_helpers.world


# --- the facilitators' page ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_see_the_invitations_page(world, role):
    invite(world, "secret.person@example.org")
    response = client_for(world.users[role]).get(page_url(world))
    assert response.status_code == PAGE_STATUS[role]
    if response.status_code != HTTPStatus.OK:
        assert "secret.person@example.org" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_invite(world, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users[role]).post(
            page_url(world), {"emails": "new@example.org", "label": "participant"}
        )
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    assert response.status_code == (HTTPStatus.FOUND if allowed else PAGE_STATUS[role])
    assert Invitation.objects.exists() is allowed
    assert bool(sent_to("new@example.org")) is allowed


def test_inviting_several_people_at_once(world, django_capture_on_commit_callbacks):
    client = client_for(world.users["facilitator"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url(world),
            {
                "emails": "ann@example.org, bob@example.org\ncat@example.org;\n\nANN@example.org",
                "label": "professional",
                "is_facilitator": "on",
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    invitations = Invitation.objects.order_by("email")
    assert [i.email for i in invitations] == [
        "ann@example.org",
        "bob@example.org",
        "cat@example.org",
    ]
    assert {(i.label, i.is_facilitator) for i in invitations} == {("professional", True)}
    for address in ["ann@example.org", "bob@example.org", "cat@example.org"]:
        (message,) = sent_to(address)
        assert message.subject.startswith("Join by ")
        assert message.subject.endswith(" - Riverside Day Service")
        assert "Sam Okafor invited you to join Riverside Day Service" in message.body
        assert "You will also be a facilitator." in message.body
    page = client.get(page_url(world)).content.decode()
    assert "We are sending 3 invitations." in page
    assert "ann@example.org" in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter at least one email address"),
        ("ann@example.org, not an address", "“not” is not a valid email address"),
        ("ann@example, bob@example.org", "“ann@example” is not a valid email address"),
        ("pat@example.org", "pat@example.org is already a member of this project"),
        (
            ", ".join(f"person{i}@example.org" for i in range(51)),
            "You can invite up to 50 people at once. You entered 51 addresses.",
        ),
    ],
)
def test_bad_addresses_get_clear_errors_and_are_kept(world, typed, error):
    response = client_for(world.users["facilitator"]).post(
        page_url(world), {"emails": typed, "label": "participant"}
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Error: Invite people to Riverside Day Service - Coproduce</title>" in html
    assert error in html
    assert typed.split(",")[0] in html
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_the_list_and_the_rows_are_apart_on_the_page(world):
    """A failed send of the pasted list: its summary link leads to the list,
    and the rows, not sent, show no error."""
    response = client_for(world.users["facilitator"]).post(
        page_url(world), {"emails": "ann@example", "label": "professional"}
    )
    html = response.content.decode()
    assert '<a href="#id_emails">“ann@example” is not a valid email address</a>' in html
    assert is_checked(html, "label", "professional")
    assert html.count('class="error-message"') == 1
    assert html.count('type="email" name="email_') == 5


def test_too_many_addresses_get_one_error_not_one_each(world):
    typed = "\n".join(f"not-an-address-{i}" for i in range(500))
    response = client_for(world.users["facilitator"]).post(
        page_url(world), {"emails": typed, "label": "participant"}
    )
    html = response.content.decode()
    assert "You can invite up to 50 people at once. You entered 500 addresses." in html
    assert "is not a valid email address" not in html
    assert "not-an-address-499" in html  # what was typed is kept


def test_someone_already_invited_is_pointed_at_resend(world):
    invite(world, "ann@example.org")
    response = client_for(world.users["facilitator"]).post(
        page_url(world), {"emails": "Ann@Example.org", "label": "participant"}
    )
    assert "ann@example.org has already been invited" in response.content.decode()


def test_fifty_at_once_is_fine(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, *(f"person{i}@example.org" for i in range(50)))
    assert Invitation.objects.count() == 50
    assert len(mail.outbox) == 50


# --- one by one: a row for each person, with the label they join as -----------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("button", [{}, {"add_rows": "yes"}], ids=["send", "add_rows"])
def test_only_facilitators_and_managers_can_invite_one_by_one(
    world, role, button, django_capture_on_commit_callbacks
):
    data = rows_posted(("new@example.org", "professional"), **button)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users[role]).post(page_url(world), data)
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    sends = allowed and not button
    if not allowed:
        assert response.status_code == PAGE_STATUS[role]
        assert "new@example.org" not in response.content.decode()
    else:
        assert response.status_code == (HTTPStatus.FOUND if sends else HTTPStatus.OK)
    assert Invitation.objects.exists() is sends
    assert bool(sent_to("new@example.org")) is sends


def test_a_participant_and_a_professional_in_one_send(world, django_capture_on_commit_callbacks):
    client = client_for(world.users["facilitator"])
    data = rows_posted(
        ("ann@example.org", "participant"),
        None,  # an empty row
        ("  Bob@Example.org ", "professional"),
        ("", "professional"),  # a label alone (a radio cannot be unticked): left out
        None,
        is_facilitator="on",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(world), data)
    assert response.status_code == HTTPStatus.FOUND
    invitations = Invitation.objects.order_by("email")
    assert [(i.email, i.label, i.is_facilitator) for i in invitations] == [
        ("ann@example.org", "participant", True),
        ("bob@example.org", "professional", True),
    ]
    (to_ann,) = sent_to("ann@example.org")
    assert "Riverside Day Service as a participant (someone with lived experience" in to_ann.body
    (to_bob,) = sent_to("bob@example.org")
    assert "Riverside Day Service as a professional." in to_bob.body
    assert len(mail.outbox) == 2
    page = client.get(page_url(world)).content.decode()
    assert "We are sending 2 invitations." in page


def test_the_rows_name_their_person(world):
    html = client_for(world.users["facilitator"]).get(page_url(world)).content.decode()
    assert html.count('type="email" name="email_') == 5
    for number in (1, 5):
        assert (
            f'<label class="label" for="rows_email_{number}">'
            f"Email address for person {number}</label>"
        ) in html
        assert f'id="rows_email_{number}"' in html
        assert f'<legend class="fieldset__legend">Person {number} joins as</legend>' in html
        assert f'id="rows_label_{number}_0"' in html
    assert "<title>Invite people to Riverside Day Service - Coproduce</title>" in html
    assert 'name="email_6"' not in html
    assert 'name="add_rows"' in html
    assert "checked" not in html.split('id="invite-many"')[0]  # no label chosen for anyone


def is_checked(html: str, name: str, value: str) -> bool:
    """Whether the page's radio button or checkbox ``name`` with ``value`` is ticked."""
    return bool(re.search(rf'<input [^>]*name="{name}" value="{value}"[^>]* checked[ >]', html))


ROW_PROBLEMS = [
    (
        "a bad address",
        [("ann@example.org", "participant"), ("bob@example", "professional")],
        "Enter a real email address for person 2, like name@example.org",
        "rows_email_2",
    ),
    (
        "no label",
        [("ann@example.org", "participant"), None, ("cat@example.org", "")],
        "Choose whether person 3 joins as a participant or a professional",
        "rows_label_3_0",
    ),
    (
        "the same person twice",
        [("ann@example.org", "participant"), ("ANN@example.org", "professional")],
        "Person 2 has the same email address as person 1. Delete the address for person 2.",
        "rows_email_2",
    ),
    (
        "a member",
        [("ann@example.org", "participant"), ("Pat@example.org", "participant")],
        "pat@example.org is already a member of this project",
        "rows_email_2",
    ),
    (
        "invited already",
        [("ann@example.org", "participant"), ("waiting@example.org", "professional")],
        "waiting@example.org has already been invited. "
        "You can send the invitation again from the list below.",
        "rows_email_2",
    ),
    (
        "nobody",
        [None, ("", "professional")],
        "Enter an email address for at least one person",
        "rows_email_1",
    ),
]


@pytest.mark.parametrize(
    ("people", "error", "target"),
    [problem[1:] for problem in ROW_PROBLEMS],
    ids=[problem[0] for problem in ROW_PROBLEMS],
)
def test_a_problem_in_a_row_names_the_person_and_keeps_what_was_typed(world, people, error, target):
    invite(world, "waiting@example.org")
    data = rows_posted(*people, is_facilitator="on")
    response = client_for(world.users["facilitator"]).post(page_url(world), data)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "<title>Error: Invite people to Riverside Day Service - Coproduce</title>" in html
    summary = html.split('class="error-summary__list"')[1].split("</ul>")[0]
    assert f'<a href="#{target}">{escape(error)}</a>' in summary
    field = target.removesuffix("_0")
    assert f'<p class="error-message" id="{field}_error">' in html
    assert f'aria-describedby="{field}_error"' in html
    for number, row in enumerate(people, start=1):
        if row and row[0]:
            assert f'value="{escape(row[0])}"' in html
            assert f'name="email_{number}" value="{escape(row[0])}"' in html
        if row and row[1]:
            assert is_checked(html, f"label_{number}", row[1])
    assert 'name="is_facilitator" id="rows_is_facilitator" checked' in html
    assert list(Invitation.objects.values_list("email", flat=True)) == ["waiting@example.org"]


def test_a_row_with_a_bad_address_and_no_label_gets_both_messages(world):
    data = rows_posted(("not an address", ""))
    html = client_for(world.users["facilitator"]).post(page_url(world), data).content.decode()
    assert "Enter a real email address for person 1, like name@example.org" in html
    assert "Choose whether person 1 joins as a participant or a professional" in html
    assert 'value="not an address"' in html


def test_adding_rows_keeps_what_was_typed_and_sends_nothing(world):
    client = client_for(world.users["facilitator"])
    data = rows_posted(
        ("ann@example.org", "professional"),
        ("not an address", ""),
        None,
        ("", "participant"),
        add_rows="yes",
        is_facilitator="on",
    )
    response = client.post(page_url(world), data)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    # Nothing is checked yet: no error for the bad address until it is sent.
    assert "<title>Invite people to Riverside Day Service - Coproduce</title>" in html
    assert "There is a problem" not in html
    assert html.count('type="email" name="email_') == 10
    assert 'name="rows" value="10"' in html
    assert 'name="email_1" value="ann@example.org"' in html
    assert 'name="email_2" value="not an address"' in html
    assert is_checked(html, "label_1", "professional")
    assert not is_checked(html, "label_1", "participant")
    assert is_checked(html, "label_4", "participant")
    assert 'name="is_facilitator" id="rows_is_facilitator" checked' in html
    # The page comes back at the first new row.
    assert f'formaction="{page_url(world)}#person-11"' in html
    assert 'id="person-10"' in html
    assert not Invitation.objects.exists()

    # Sent from the longer form, row 10 counts too.
    data = rows_posted(
        ("ann@example.org", "professional"), *[None] * 8, ("jo@example.org", "participant"), rows=10
    )
    assert client.post(page_url(world), data).status_code == HTTPStatus.FOUND
    assert sorted(Invitation.objects.values_list("email", "label")) == [
        ("ann@example.org", "professional"),
        ("jo@example.org", "participant"),
    ]


@pytest.mark.parametrize(("rows", "shown"), [("45", 50), ("50", 50), ("5000", 50), ("x", 10)])
def test_rows_stop_at_the_most_people_at_once(world, rows, shown):
    data = {"rows": rows, "add_rows": "yes"}
    html = client_for(world.users["facilitator"]).post(page_url(world), data).content.decode()
    assert html.count('type="email" name="email_') == shown
    assert ('name="add_rows"' in html) is (shown < 50)
    if shown == 50:
        assert "You can invite up to 50 people at once." in html


def test_rows_beyond_the_rows_shown_are_not_read(world):
    data = rows_posted(("ann@example.org", "participant"), rows=5)
    data.update({"email_6": "bob@example.org", "label_6": "participant"})
    assert client_for(world.users["facilitator"]).post(page_url(world), data).status_code == 302
    assert list(Invitation.objects.values_list("email", flat=True)) == ["ann@example.org"]


@pytest.mark.parametrize("rows", [5, 50])
def test_the_one_by_one_form_takes_the_same_queries_at_any_size(
    rows, world, django_assert_max_num_queries
):
    """Shown, with more rows added, and sent back with a problem in every
    row: the same number of queries for 5 rows as for 50."""
    invite(world, *(f"waiting{i}@example.org" for i in range(rows)))
    client = client_for(world.users["facilitator"])
    people = [(f"waiting{i}@example.org", "participant") for i in range(rows)]
    with django_assert_max_num_queries(8):
        assert client.get(page_url(world)).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(8):
        response = client.post(page_url(world), rows_posted(*people, rows=rows, add_rows="yes"))
        assert response.status_code == HTTPStatus.OK
    with django_assert_max_num_queries(11):
        response = client.post(page_url(world), rows_posted(*people, rows=rows))
    html = response.content.decode()
    assert html.count("has already been invited") == rows * 2  # in the summary and the row


def test_inviting_with_a_label_each_through_the_service(world):
    created = invite(
        world,
        "all@example.org",
        label="professional",
        people=[("one@example.org", "participant"), ("Two@example.org", "professional")],
    )
    assert [(i.email, i.label) for i in created] == [
        ("all@example.org", "professional"),
        ("one@example.org", "participant"),
        ("two@example.org", "professional"),
    ]
    with pytest.raises(ValidationError) as refused:
        invite(world, people=[("new@example.org", "participant"), ("NEW@example.org", "x")])
    assert refused.value.messages == ["new@example.org is in the list more than once"]
    with pytest.raises(ValidationError) as refused:
        invite(world, people=[("new@example.org", "somebody")])
    assert "label" in refused.value.message_dict
    with pytest.raises(TypeError):
        invitations_create(
            project=world.project,
            emails=["new@example.org"],
            is_facilitator=False,
            actor=world.users["facilitator"],
        )
    assert Invitation.objects.count() == 3


def test_resend_and_cancel(world, django_capture_on_commit_callbacks):
    (invitation,) = invite(world, "ann@example.org")
    client = client_for(world.users["facilitator"])
    resend = reverse(
        "participants:invitation_resend", args=[world.project.slug, invitation.public_id]
    )
    cancel = reverse(
        "participants:invitation_revoke", args=[world.project.slug, invitation.public_id]
    )
    assert client.get(resend).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert client.post(resend).status_code == HTTPStatus.FOUND
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert invitation.expires_at == later + timedelta(days=14)
    # One email: the first was still waiting (on commit), and the newer replaces it.
    assert len(sent_to("ann@example.org")) == 1
    assert ReminderLog.objects.filter(kind="invitation").count() == 2
    assert client_for(world.users["participant"]).post(cancel).status_code == HTTPStatus.FORBIDDEN
    assert client.post(cancel).status_code == HTTPStatus.FOUND
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert "Cancelled" in client.get(page_url(world)).content.decode()


def test_the_invitations_page_shows_times_in_the_projects_time_zone(world):
    world.project.timezone = "America/New_York"
    world.project.save()
    sent = datetime(2026, 6, 10, 21, 0, tzinfo=UTC)  # 5pm in New York
    with time_machine.travel(sent, tick=False):
        invite(world, "ann@example.org")
        page = client_for(world.users["facilitator"]).get(page_url(world)).content.decode()
    assert "<td>24 June 2026 at 5pm</td>" in page


@pytest.mark.parametrize("action", ["invitation_resend", "invitation_revoke"])
@pytest.mark.parametrize("role", ROLES)
def test_only_facilitators_and_managers_can_resend_or_cancel(
    world, role, action, django_capture_on_commit_callbacks
):
    (invitation,) = invite(world, "ann@example.org")
    url = reverse(f"participants:{action}", args=[world.project.slug, invitation.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users[role]).post(url)
    allowed = PAGE_STATUS[role] == HTTPStatus.OK
    assert response.status_code == (HTTPStatus.FOUND if allowed else PAGE_STATUS[role])
    invitation.refresh_from_db()
    changed = invitation.send_count == 2 or invitation.revoked_at is not None
    assert changed is allowed


def test_an_invitation_of_another_project_cannot_be_reached(world):
    """A facilitator of one project, with the id of another project's
    invitation: not found, and nothing changes."""
    elsewhere = ProjectFactory()
    MembershipFactory(project=elsewhere, user=world.users["facilitator"], is_facilitator=True)
    (invitation,) = invite(world, "ann@example.org")
    client = client_for(world.users["facilitator"])
    for action in ("invitation_resend", "invitation_revoke"):
        url = reverse(f"participants:{action}", args=[elsewhere.slug, invitation.public_id])
        assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    invitation.refresh_from_db()
    assert (invitation.send_count, invitation.revoked_at) == (1, None)


@pytest.mark.parametrize("pending", [5, 200])
def test_the_invitations_page_takes_the_same_queries_at_any_size(
    pending, world, django_assert_max_num_queries
):
    Invitation.objects.bulk_create(
        Invitation(
            project=world.project,
            email=f"p{i}@example.org",
            label="participant",
            invited_by=world.users["facilitator"],
        )  # fmt: skip
        for i in range(pending)
    )
    client = client_for(world.users["facilitator"])
    with django_assert_max_num_queries(12):
        assert client.get(page_url(world)).status_code == HTTPStatus.OK


# Inviting and cancelling: the organisation's managers, not any staff ---------


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_inviting_and_cancelling_is_for_the_organisations_managers_not_any_staff(db, role):
    world = two_organisations()
    actor = world.people[role]
    for key, org in world.organisations.items():
        invite = partial(
            invitations_create,
            project=org.project,
            emails=[f"someone.{key.lower()}@example.org"],
            label=Membership.Label.PARTICIPANT,
            is_facilitator=False,
            actor=actor,
        )
        cancel = partial(invitation_revoke, invitation=org.invitation, actor=actor)
        if key in SEES[role]:
            invite()
            cancel()
        else:
            with pytest.raises(PermissionDenied):
                invite()
            with pytest.raises(PermissionDenied):
                cancel()
    assert Invitation.objects.exclude(revoked_at=None).count() == len(SEES[role])
    assert Invitation.objects.count() == 2 + len(SEES[role])
