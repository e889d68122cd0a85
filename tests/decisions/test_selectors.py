"""The reads of the decision pages (decisions/selectors.py): each takes the
queries its docstring says, at a small and a large size, with everything
the page uses evaluated. The pages' own counts, request and template
included, are pinned in test_views.py."""

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from decisions import selectors, services
from decisions.models import Decision, Outcome
from projects.permissions import SYSTEM, project_access
from tests.decisions.support import make_decision
from tests.factories import CommentFactory, ProjectFactory, VoteFactory, bulk_members

SIZES = [5, 100]


def _as_the_page_reads(decision):
    """The decision as decisions.views reads it, with its project."""
    return Decision.objects.select_related(
        "project", "stage", "proposer__user", "closed_by", "chosen_option", "outcome__written_by"
    ).get(pk=decision.pk)


def _fill(world, decision, count):
    """``count`` more members, each with a vote (every other one recorded by
    the facilitator) and a comment, and an earlier version of the words."""
    for index, member in enumerate(
        bulk_members(world.project, count, label=["participant", "professional"])
    ):
        VoteFactory(
            decision=decision,
            member=member,
            choice="agree",
            recorded_by=world.facilitator.user if index % 2 else None,
        )
        CommentFactory(decision=decision, author=member)
    VoteFactory(decision=decision, member=world.facilitator, reason="Good for everyone")
    decision.revisions.create(title="Old", description="Old words")


def _everything(page: dict) -> None:
    """Touch what the decision page shows of each vote and comment."""
    for vote in page["votes"]:
        assert vote.choice_label
        str(vote.member.user), str(vote.recorded_by or "")
    for comment in page["comments"]:
        str(comment.author.user), comment.is_hidden, comment.hidden_reason
    for revision in page["revisions"]:
        str(revision.edited_by or "")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("closed", [False, True])
@pytest.mark.parametrize("anonymous", [False, True])
def test_the_decision_page_takes_ten_queries_at_most(
    world, size, closed, anonymous, settings, django_assert_max_num_queries
):
    settings.COPRODUCE_PAGE_SIZE = 50
    decision = make_decision(world, is_anonymous=anonymous)
    _fill(world, decision, size)
    if closed:
        services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    decision = _as_the_page_reads(decision)
    access = project_access(world.facilitator.user, world.project)
    with django_assert_max_num_queries(10):
        page = selectors.decision_page(access=access, decision=decision)
        _everything(page)
    assert page["voted_count"] == size + 1
    assert page["member_count"] == size + 3
    assert page["my_vote"].member_id == world.facilitator.pk
    assert page["my_vote"].choice_label == "Agree"
    # One page of each list, and how many there are in all.
    assert len(page["comments"]) == min(size, 50)
    assert page["comments_paged"].page.paginator.count == size
    assert page["voters_named"] == (not anonymous or closed)
    if page["voters_named"]:
        assert len(page["votes"]) == min(size + 1, 50)
        assert page["votes_paged"].page.paginator.count == size + 1
    else:
        assert page["votes"] == []
    if anonymous and closed:
        assert page["reasons"] == [("Agree", "Good for everyone")]
    else:
        assert page["reasons"] == []


def test_an_anonymous_decision_names_no_one_while_it_is_open(world):
    decision = make_decision(world, is_anonymous=True)
    VoteFactory(decision=decision, member=world.professional, choice="agree", reason="Yes")
    access = project_access(world.facilitator.user, world.project)
    page = selectors.decision_page(access=access, decision=_as_the_page_reads(decision))
    assert page["voters_named"] is False
    assert page["reasons"] == []
    assert page["too_few_to_close"] is True
    members = list(selectors.record_members(access=access, decision=decision))
    assert not any(member.voted_online for member in members)


def test_a_closed_decision_counts_who_could_vote_when_it_closed(world, decision):
    VoteFactory(decision=decision, member=world.professional, choice="agree")
    services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    bulk_members(world.project, 4)
    access = project_access(world.participant.user, world.project)
    page = selectors.decision_page(access=access, decision=_as_the_page_reads(decision))
    assert (page["member_count"], page["voted_count"], page["not_voted"]) == (3, 1, 2)
    assert page["turnout_by_group"] == "0 of 1 participants and 1 of 2 professionals"


def test_record_choices_finds_current_members_by_part_of_their_name(world, decision):
    bulk_members(world.project, 30, prefix="Robin")
    (gone,) = bulk_members(world.project, 1, prefix="Robin Gone")
    gone.left_at = timezone.now()
    gone.save()
    bulk_members(ProjectFactory(), 1, prefix="Robin Elsewhere")
    access = project_access(world.facilitator.user, world.project)
    found = selectors.record_choices(access=access, decision=decision, find="ROBIN", limit=20)
    assert len(found) == 21  # one more than asked: there are more
    assert all(member.user.display_name.startswith("Robin ") for member in found)
    found = selectors.record_choices(access=access, decision=decision, find="atERs", limit=20)
    assert [str(member.user) for member in found] == ["Pat Paterson"]
    assert selectors.record_choices(access=access, decision=decision, find="Gone", limit=20) == []
    assert selectors.record_choices(access=access, decision=decision, find="Sam", limit=20) == []


@pytest.mark.parametrize("size", SIZES)
def test_the_members_to_record_a_vote_for_take_one_query(
    world, decision, size, django_assert_max_num_queries
):
    _fill(world, decision, size)
    access = project_access(world.facilitator.user, world.project)
    with django_assert_max_num_queries(1):
        members = list(selectors.record_members(access=access, decision=decision))
        labels = [f"{member.user} {member.voted_online}" for member in members]
    assert len(labels) == size + 2  # everyone but the facilitator
    online = [member for member in members if member.voted_online]
    assert len(online) == (size + 1) // 2


@pytest.mark.parametrize("size", SIZES)
def test_the_discussion_takes_two_queries(
    world, decision, size, settings, django_assert_max_num_queries
):
    settings.COPRODUCE_PAGE_SIZE = 50
    _fill(world, decision, size)
    access = project_access(world.participant.user, world.project)
    with django_assert_max_num_queries(2):
        discussion = selectors.discussion(access=access, decision=decision, now=timezone.now())
        for comment in discussion["comments"]:
            str(comment.author.user), comment.can_edit, comment.can_hide
    assert len(discussion["comments"]) == min(size, 50)
    assert discussion["comments_paged"].page.paginator.count == size
    last = selectors.comment_page(comment=decision.comments.order_by("created_at", "pk").last())
    assert last == (size - 1) // 50 + 1
    with django_assert_max_num_queries(2):
        discussion = selectors.discussion(
            access=access,
            decision=decision,
            now=timezone.now(),
            query=QueryDict(f"comments_page={last}"),
        )
    assert len(discussion["comments"]) == size - (last - 1) * 50


def test_the_reasons_of_an_anonymous_vote_are_paged_by_their_words(world, settings):
    """Each page of reasons is in the order of the answers and words, so a
    page cannot be matched to a page of who voted (listed by name)."""
    settings.COPRODUCE_PAGE_SIZE = 5
    decision = make_decision(world, is_anonymous=True)
    members = bulk_members(world.project, 12)
    for index, member in enumerate(members):
        VoteFactory(
            decision=decision,
            member=member,
            choice="agree" if index % 2 else "disagree",
            reason=f"{chr(ord('z') - index)} reason",
        )
    services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
    access = project_access(world.participant.user, world.project)
    reasons = []
    for number in (1, 2, 3):
        page = selectors.decision_page(
            access=access,
            decision=_as_the_page_reads(decision),
            query=QueryDict(f"reasons_page={number}"),
        )
        reasons += page["reasons"]
    assert page["reasons_paged"].page.paginator.count == 12
    assert len(reasons) == 12
    assert reasons == sorted(reasons, key=lambda pair: (pair[0], pair[1].casefold()))


def _log_of(world, size):
    for index in range(size):
        decision = make_decision(world, title=f"Decision {index}")
        if index % 2:
            services.decision_close(decision_id=decision.pk, actor=SYSTEM, notify=False)
            Outcome.objects.create(decision=decision, statement="Done", who="Sam")


@pytest.mark.parametrize("size", SIZES)
def test_the_decision_log_takes_one_query(world, size, django_assert_max_num_queries):
    _log_of(world, size)
    access = project_access(world.facilitator.user, world.project)
    with django_assert_max_num_queries(3):  # the count, the page's ids, their rows
        log = selectors.decision_log(access=access, filters={}, query=QueryDict())
        decisions = log.items
        for decision in decisions:
            str(decision.stage), str(decision.proposer.user), decision.summary
    assert log.page.paginator.count == size
    assert len(decisions) == min(size, settings.COPRODUCE_PAGE_SIZE)
    wanted = [decision for decision in decisions if decision.outcome_wanted_from_viewer]
    assert wanted == []  # every closed one has its outcome
    with django_assert_max_num_queries(1):
        assert len(list(selectors.log_decisions(project=world.project, outcome="written"))) == (
            size // 2
        )
    with django_assert_max_num_queries(1):
        assert len(selectors.log_stages(project=world.project)) == 1


def test_the_log_filters_by_stage_result_and_outcome(world):
    _log_of(world, 4)
    missing = make_decision(world, title="No outcome yet")
    services.decision_close(decision_id=missing.pk, actor=SYSTEM, notify=False)
    project = world.project

    def titles(**filters):
        return {decision.title for decision in selectors.log_decisions(project=project, **filters)}

    assert titles(result="open") == {"Decision 0", "Decision 2"}
    assert titles(outcome="written") == {"Decision 1", "Decision 3"}
    assert titles(outcome="missing") == {"No outcome yet"}
    assert titles(stage=world.stage.pk) == titles() != set()


def test_proposing_and_editing_read_little(world, decision, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert selectors.current_stage(project=world.project) == world.stage
    with django_assert_max_num_queries(2):
        page = selectors.decision_edit_page(decision=decision)
    assert page == {"options": [], "has_votes": False}
