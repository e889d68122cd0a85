"""Casting a vote is the busiest write of the site (a meeting votes on the
same decision at once), so the vote POST takes the same few queries however
many members a project has and however many have voted: a first vote and a
changed vote, at two sizes. And it still does what it did: the vote stored,
back to the decision page with the message, the "recorded on your behalf"
mark cleared by the member's own vote, a closed decision refusing."""

import uuid
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coproduce.words import date_and_time_in
from decisions import selectors, services
from decisions.models import Vote
from projects.permissions import SYSTEM
from tests.decisions.support import make_decision
from tests.factories import DecisionFactory, bulk_members

SIZES = [10, 300]
# A vote POST, first or changed: the session and the user (the shell of
# every signed-in request; the session is in the database in the tests, in
# Redis in production), the project and the membership, the decision; then
# the service's transaction (a savepoint inside the test's own): the lock
# with the membership check, and the vote written in one statement.
VOTE_QUERIES = 9
# A choice between options reads its options too.
CHOICE_VOTE_QUERIES = VOTE_QUERIES + 1


def _url(decision):
    return reverse(
        "decisions:vote",
        kwargs={"slug": decision.project.slug, "public_id": decision.public_id},
    )


def _others_voted(world, decision, count):
    """``count`` more members of the project, every one of them with a vote
    on the decision (every third recorded by the facilitator)."""
    members = bulk_members(world.project, count, label=["participant", "professional"])
    Vote.objects.bulk_create(
        Vote(
            decision=decision,
            member=member,
            choice="agree" if index % 2 else "disagree",
            reason=f"Reason {index}",
            recorded_by=world.facilitator.user if index % 3 == 0 else None,
            channel="phone" if index % 3 == 0 else "online",
        )
        for index, member in enumerate(members)
    )


def _assert_saved_and_told(client, response, decision):
    """Back to the decision page (a 302, as every form of the site answers),
    which says the vote is saved and until when it can change."""
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == decision.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    closes = date_and_time_in(decision.closes_at, decision.project.timezone)
    assert f"Your vote is saved. You can change it until {closes}." in page


@pytest.mark.parametrize("size", SIZES)
def test_a_first_vote_takes_the_same_few_queries_at_any_size(
    client, world, decision, size, django_assert_max_num_queries
):
    _others_voted(world, decision, size)
    client.force_login(world.participant.user)
    with django_assert_max_num_queries(VOTE_QUERIES):
        response = client.post(_url(decision), {"vote-choice": "agree", "vote-reason": " Yes "})
    _assert_saved_and_told(client, response, decision)
    vote = Vote.objects.get(decision=decision, member=world.participant)
    assert (vote.choice, vote.reason, vote.channel, vote.recorded_by) == (
        "agree",
        "Yes",
        "online",
        None,
    )
    assert Vote.objects.filter(decision=decision).count() == size + 1


@pytest.mark.parametrize("size", SIZES)
def test_a_changed_vote_takes_the_same_few_queries_and_keeps_when_it_was_cast(
    client, world, decision, size, django_assert_max_num_queries
):
    _others_voted(world, decision, size)
    first = services.vote_cast(member=world.participant, decision=decision, choice="agree")
    cast_at = first.cast_at
    client.force_login(world.participant.user)
    with django_assert_max_num_queries(VOTE_QUERIES):
        response = client.post(
            _url(decision),
            {
                "vote-choice": "block",
                "vote-reason": "Not safe for staff",
                "vote-assisted": "on",
                "vote-supporter": "Joan",
            },
        )
    _assert_saved_and_told(client, response, decision)
    vote = Vote.objects.get(decision=decision, member=world.participant)
    assert (vote.pk, vote.choice, vote.reason, vote.assisted, vote.supporter) == (
        first.pk,
        "block",
        "Not safe for staff",
        True,
        "Joan",
    )
    assert vote.cast_at == cast_at
    assert vote.updated_at > cast_at
    assert Vote.objects.filter(decision=decision).count() == size + 1


@pytest.mark.parametrize("size", SIZES)
def test_a_vote_between_options_reads_the_options_once(
    client, world, choice_decision, size, django_assert_max_num_queries
):
    _others_voted(world, choice_decision, size)
    option = choice_decision.options.get(text="Friday 1pm")
    client.force_login(world.professional.user)
    with django_assert_max_num_queries(CHOICE_VOTE_QUERIES):
        response = client.post(_url(choice_decision), {"vote-choice": f"option-{option.pk}"})
    _assert_saved_and_told(client, response, choice_decision)
    vote = Vote.objects.get(decision=choice_decision, member=world.professional)
    assert (vote.choice, vote.option) == ("option", option)


def test_the_members_own_vote_clears_the_mark_of_a_recorded_one(
    client, world, decision, django_assert_max_num_queries
):
    services.vote_record_on_behalf(
        actor=world.facilitator.user,
        member=world.participant,
        decision=decision,
        choice="agree",
        channel="paper",
    )
    client.force_login(world.participant.user)
    with django_assert_max_num_queries(VOTE_QUERIES):
        response = client.post(_url(decision), {"vote-choice": "disagree"})
    _assert_saved_and_told(client, response, decision)
    vote = Vote.objects.get()
    assert (vote.choice, vote.channel, vote.recorded_by) == ("disagree", "online", None)


def test_with_htmx_the_answer_is_the_same_redirect(client, world, decision):
    """The vote form does not use htmx; a vote sent with it anyway gets the
    same answer, which htmx follows to the decision page."""
    client.force_login(world.participant.user)
    response = client.post(_url(decision), {"vote-choice": "agree"}, headers={"HX-Request": "true"})
    _assert_saved_and_told(client, response, decision)
    assert Vote.objects.get().choice == "agree"


def test_refusals_are_answered_as_before(client, world, decision):
    """A vote with errors, on a closed decision and from someone who is not
    a member comes back on the decision page; nothing is stored."""
    client.force_login(world.participant.user)
    response = client.post(_url(decision), {"vote-choice": "block"})
    assert response.status_code == HTTPStatus.OK
    assert "Explain why you block: a block needs a reason" in response.content.decode()
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    response = client.post(_url(decision), {"vote-choice": "agree"})
    assert response.status_code == HTTPStatus.OK
    assert "so votes can no longer be cast or changed" in response.content.decode()
    world.professional.left_at = timezone.now()
    world.professional.save()
    client.force_login(world.professional.user)
    response = client.post(_url(make_decision(world)), {"vote-choice": "agree"})
    assert response.status_code == HTTPStatus.NOT_FOUND  # a former member: no longer sees it
    client.force_login(world.manager)
    response = client.post(_url(make_decision(world)), {"vote-choice": "agree"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Vote.objects.exists()


def test_a_decision_of_another_project_is_not_found(client, world, decision):
    elsewhere = DecisionFactory()  # in a project of its own
    client.force_login(world.participant.user)
    for public_id in (elsewhere.public_id, uuid.uuid4()):
        url = reverse("decisions:vote", kwargs={"slug": world.project.slug, "public_id": public_id})
        assert client.post(url, {"vote-choice": "agree"}).status_code == HTTPStatus.NOT_FOUND
    assert not Vote.objects.exists()


def test_a_vote_for_someone_no_longer_a_member_is_refused_by_the_service(world, decision):
    world.professional.left_at = timezone.now()
    world.professional.save()
    with pytest.raises(ValidationError, match="Only members of this project can vote"):
        services.vote_cast(member=world.professional, decision=decision, choice="agree")
    assert not Vote.objects.exists()


def test_a_changed_vote_from_the_service_tells_when_it_was_first_cast(world, decision):
    first = services.vote_cast(member=world.participant, decision=decision, choice="agree")
    changed = services.vote_cast(member=world.participant, decision=decision, choice="abstain")
    assert (changed.pk, changed.choice) == (first.pk, "abstain")
    assert changed.cast_at == first.cast_at == Vote.objects.get().cast_at


def test_the_voters_reads_say_who_is_a_current_member(world, decision):
    found = selectors.voter(user=world.participant.user, slug=world.project.slug)
    assert (found.pk, found.project, found.user) == (
        world.participant.pk,
        world.project,
        world.participant.user,
    )
    assert selectors.voter(user=world.manager, slug=world.project.slug) is None
    assert selectors.voter(user=world.participant.user, slug="no-such-project") is None
    world.participant.left_at = timezone.now()
    world.participant.save()
    assert selectors.voter(user=world.participant.user, slug=world.project.slug) is None
