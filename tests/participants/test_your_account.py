""" "Your account": what it shows, for every kind of person, and changing your
name. Driven through the test client and the mail outbox, as a person would
use them."""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse

from participants.services import display_name_change
from projects.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.participants.account_helpers import (
    assert_error_page,
    page,
)

# Your account ---------------------------------------------------------------------


def test_the_account_page_asks_a_signed_out_visitor_to_sign_in(client, db):
    response = client.get(reverse("participants:account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next=/account/"


def _participant(db):
    return MembershipFactory(label=Membership.Label.PARTICIPANT).user


def _professional(db):
    return MembershipFactory(label=Membership.Label.PROFESSIONAL).user


def _facilitator(db):
    return MembershipFactory(is_facilitator=True).user


def _manager(db):
    person = UserFactory()
    OrganisationFactory().managers.add(person)
    return person


def _staff(db):
    return UserFactory(is_staff=True)


def _no_projects(db):
    return UserFactory()


@pytest.mark.parametrize(
    "make_person",
    [_no_projects, _participant, _professional, _facilitator, _manager, _staff],
    ids=["outsider", "participant", "professional", "facilitator", "manager", "staff"],
)
def test_the_account_page_shows_only_the_members_own_details(client, db, make_person):
    someone_else = UserFactory(display_name="Other Person", email="other@example.org")
    person = make_person(db)
    client.force_login(person)
    response = client.get(reverse("participants:account"))
    assert response.status_code == HTTPStatus.OK
    html = page(response)
    assert f"Other members see you as <strong>{person.display_name}</strong>" in html
    assert person.email in html
    assert someone_else.email not in html
    assert someone_else.display_name not in html
    assert 'aria-current="page">Your account</a>' in html


def test_change_my_name(client, member):
    client.force_login(member)
    response = client.post(reverse("participants:account"), {"display_name": "  Sam Jones "})
    assert response["Location"] == reverse("participants:account")
    member.refresh_from_db()
    assert member.display_name == "Sam Jones"
    assert "Your name is saved." in page(client.get(response["Location"]))


@pytest.mark.parametrize("typed", ["", "    "])
def test_a_blank_name_shows_the_error_and_changes_nothing(client, member, typed):
    client.force_login(member)
    response = client.post(reverse("participants:account"), {"display_name": typed})
    assert_error_page(response, "Your account", '<a href="#id_display_name">Enter your name</a>')
    member.refresh_from_db()
    assert member.display_name == "Sam"
    # The rest of the page is still there.
    assert reverse("account_email") in page(response)


def test_a_name_that_is_too_long_keeps_what_was_typed(client, member):
    client.force_login(member)
    typed = "S" * 101
    response = client.post(reverse("participants:account"), {"display_name": typed})
    assert_error_page(response, "Your account", "Your name must be 100 characters or fewer")
    assert f'value="{typed}"' in page(response)
    member.refresh_from_db()
    assert member.display_name == "Sam"


def test_a_name_with_html_in_it_is_shown_as_text(client, member):
    client.force_login(member)
    client.post(reverse("participants:account"), {"display_name": "<script>x</script>"})
    html = page(client.get(reverse("participants:account")))
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("addresses", [1, 30])
def test_the_account_page_makes_the_same_number_of_queries_for_any_number_of_addresses(
    client, member, addresses, django_assert_max_num_queries
):
    for number in range(addresses - 1):
        EmailAddress.objects.create(user=member, email=f"sam{number}@example.org")
    client.force_login(member)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("participants:account"))
    assert page(response).count("@example.org") >= addresses


def test_display_name_change_strips_and_refuses_a_blank_name(member):
    assert display_name_change(user=member, display_name="  Sammy ").display_name == "Sammy"
    member.refresh_from_db()
    assert member.display_name == "Sammy"
    with pytest.raises(ValidationError):
        display_name_change(user=member, display_name="   ")
    member.refresh_from_db()
    assert member.display_name == "Sammy"
