"""What a member can do now, first on "Your projects" and on a project's home
page: waiting votes, the ladder check, outcomes to write; and the "Vote now"
link and project menu on a decision page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import next_steps, services
from decisions.models import Outcome
from projects.models import LadderAnswer, Membership, Project
from projects.permissions import SYSTEM
from tests.decisions.support import make_decision
from tests.factories import MembershipFactory, ProjectFactory, StageFactory, VoteFactory
from tests.roles import sign_in

HOME = reverse("home")


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _steps(html: str) -> str:
    """The "What you can do now" section of a page."""
    start = html.index('<section class="next-steps"')
    return html[start : html.index("</section>", start)]


def test_your_projects_links_straight_to_each_vote_waiting(client, world, decision):
    voted = make_decision(world, title="Paint the garden room")
    VoteFactory(decision=voted, member=world.participant, choice="agree")
    ended = make_decision(world, title="Already past its time")
    ended.closes_at = timezone.now() - timedelta(minutes=1)
    ended.save()
    # Another project of the participant's, with a vote closing sooner.
    other = ProjectFactory(name="Library")
    StageFactory(project=other, current=True)
    mine_there = MembershipFactory(project=other, user=world.participant.user)
    sooner = make_decision(
        world,
        project=other,
        stage=other.stages.get(),
        proposer=mine_there,
        title="Open on Sundays",
        closes_at=timezone.now() + timedelta(hours=5),
    )
    sign_in(client, world.participant.user)

    steps = _steps(_html(client, HOME))

    assert "2 votes are waiting for you" in steps
    first, second = (
        f'<a href="{sooner.get_absolute_url()}#vote">Vote on “Open on Sundays”</a>',
        f'<a href="{decision.get_absolute_url()}#vote">Vote on “{decision.title}”</a>',
    )
    assert first in steps
    assert second in steps
    assert steps.index(first) < steps.index(second), "soonest to close first"
    assert "In Library." in steps
    assert "In Riverside." in steps
    assert voted.title not in steps
    assert ended.title not in steps
    # One step: each link leads to the decision's page, to its vote form.
    page = _html(client, sooner.get_absolute_url())
    assert '<section id="vote"' in page
    assert "Send my vote" in page


def test_no_votes_wait_in_a_project_left_or_finished(client, world, decision):
    sign_in(client, world.participant.user)
    Membership.objects.filter(pk=world.participant.pk).update(left_at=timezone.now())
    assert decision.title not in _html(client, HOME)
    Membership.objects.filter(pk=world.participant.pk).update(left_at=None)
    assert decision.title in _steps(_html(client, HOME))
    Project.objects.filter(pk=world.project.pk).update(status=Project.Status.FINISHED)
    assert decision.title not in _html(client, HOME)


def test_the_ladder_check_waits_until_answered(client, world):
    sign_in(client, world.professional.user)
    link = f'<a href="{world.stage.get_absolute_url()}#ladder-heading">'
    assert link in _steps(_html(client, HOME))
    assert link in _steps(_html(client, world.project.get_absolute_url()))

    LadderAnswer.objects.create(
        stage=world.stage, membership=world.professional, rung=5, label="professional"
    )

    assert link not in _html(client, HOME)
    assert "Nothing is waiting for you right now." in _steps(_html(client, HOME))


def test_outcomes_are_asked_of_the_proposer_and_facilitators_only(client, world):
    closed = make_decision(world, title="Meet on Tuesdays")
    services.decision_close(decision_id=closed.pk, notify=False, actor=SYSTEM)
    write = (
        f'<a href="{closed.get_absolute_url()}#outcome">Write the outcome of “Meet on Tuesdays”</a>'
    )
    home = world.project.get_absolute_url()

    sign_in(client, world.participant.user)  # the proposer
    assert f"{write} (you proposed it)" in _steps(_html(client, HOME))
    assert f"{write} (you proposed it)" in _steps(_html(client, home))
    sign_in(client, world.facilitator.user)
    assert write in _steps(_html(client, home))
    assert f"{write} (you proposed it)" not in _html(client, home)
    assert write in _steps(_html(client, HOME))
    sign_in(client, world.professional.user)
    assert "Write the outcome" not in _html(client, home)
    assert "Write the outcome" not in _html(client, HOME)
    sign_in(client, world.manager)  # manages the project, is not a member
    assert write in _steps(_html(client, home))

    Outcome.objects.create(decision=closed, statement="We meet", who="Sam")
    sign_in(client, world.participant.user)
    assert "Write the outcome" not in _html(client, HOME)


@pytest.mark.parametrize("where", ["your projects", "project home"])
def test_next_steps_cost_the_same_however_many_are_waiting(
    client, world, monkeypatch, django_assert_max_num_queries, where
):
    monkeypatch.setattr(next_steps, "VOTES_SHOWN", 3)
    monkeypatch.setattr(next_steps, "OUTCOMES_SHOWN", 3)
    url = HOME if where == "your projects" else world.project.get_absolute_url()
    sign_in(client, world.participant.user)
    figures = []
    made = 0
    for size in (4, 40):
        for index in range(made, size):
            make_decision(world, title=f"Waiting {index:03}")
            closed = make_decision(world, title=f"Closed {index:03}")
            services.decision_close(decision_id=closed.pk, notify=False, actor=SYSTEM)
        made = size
        with django_assert_max_num_queries(14 if where == "project home" else 9) as queries:
            html = _html(client, url)
        steps = _steps(html)
        figures.append((len(queries), len(steps.encode())))
        assert steps.count("Vote on “Waiting") == 3
        assert steps.count("Write the outcome of “Closed") == 3
        assert f"{size} votes are waiting for you" in steps
        assert f"And {size - 3} more" in steps
    (small_queries, small_bytes), (large_queries, large_bytes) = figures
    assert small_queries == large_queries
    assert large_bytes <= small_bytes * 1.05


def test_a_decision_page_offers_vote_now_until_the_member_votes(client, world, decision):
    sign_in(client, world.participant.user)
    page = _html(client, decision.get_absolute_url())
    vote_now = '<a class="button" href="#vote">Vote now</a>'
    assert vote_now in page
    assert page.index(vote_now) < page.index("<h2>The proposal</h2>")

    VoteFactory(decision=decision, member=world.participant, choice="agree")

    assert vote_now not in _html(client, decision.get_absolute_url())
    sign_in(client, world.manager)  # not a member: no vote to give
    assert vote_now not in _html(client, decision.get_absolute_url())


def test_decision_pages_carry_the_project_menu(client, world, decision):
    sign_in(client, world.professional.user)
    log = reverse("decisions:log", kwargs={"slug": world.project.slug})
    for url, current in [
        (decision.get_absolute_url(), 'aria-current="true"'),
        (log, 'aria-current="page"'),
        (reverse("decisions:propose", kwargs={"slug": world.project.slug}), 'aria-current="true"'),
    ]:
        page = _html(client, url)
        assert '<nav aria-label="Project sections">' in page, url
        assert f'<a href="{log}" {current}>Decisions</a>' in page, url
    page = _html(client, decision.get_absolute_url())
    assert f'<li aria-current="page">{decision.title}</li>' in page


def test_members_who_chose_easy_words_see_a_picture_beside_each_step(client, world, decision):
    sign_in(client, world.participant.user)
    assert "beside-picture" not in _steps(_html(client, HOME))

    world.participant.user.reminder_format = "easy_words"
    world.participant.user.save(update_fields=["reminder_format"])

    steps = _steps(_html(client, HOME))
    assert '<img class="beside-picture__picture" src="/static/pictures/vote.svg"' in steps
    assert 'alt="A ballot box"' in steps
    assert '<img class="beside-picture__picture" src="/static/pictures/ladder.svg"' in steps
    # The words still say it all.
    assert "A vote is waiting for you" in steps
