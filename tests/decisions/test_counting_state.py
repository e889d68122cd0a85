"""A decision whose closing time has passed, before beat has closed it, says
the votes are being counted: never "Open for votes"."""

from datetime import timedelta
from http import HTTPStatus

from django.utils import timezone

from tests.factories import DecisionFactory, MembershipFactory


def test_a_decision_past_its_closing_time_says_the_votes_are_being_counted(client, db):
    decision = DecisionFactory()
    member = MembershipFactory(project=decision.project)
    client.force_login(member.user)

    open_page = client.get(decision.get_absolute_url()).content.decode()
    assert '<strong class="tag">Open for votes</strong>' in open_page

    decision.closes_at = timezone.now() - timedelta(minutes=1)
    decision.save(update_fields=["closes_at"])
    response = client.get(decision.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<strong class="tag">Voting ended: counting the votes</strong>' in html
    assert "Open for votes" not in html
