import itertools

import pytest

from projects import services
from projects.ladder import (
    EVERYONE,
    MIN_ANSWERS_TO_SHOW,
    PARTICIPANTS,
    PROFESSIONALS,
    ladder_results,
    ladder_visibility,
    shown_groups,
)
from projects.models import Membership
from tests.factories import UserFactory


def _answer(world, label, rung):
    membership = services.membership_add(
        project=world.project, user=UserFactory(), label=label, actor=world.users["facilitator"]
    )
    services.ladder_answer_save(stage=world.stages[0], membership=membership, rung=rung)


def _results(world):
    """The first stage's results, which exist only once its answers have
    closed: the project moves on first."""
    stage = world.stages[0]
    stage.refresh_from_db()
    if stage.is_current:
        services.stage_advance(project=world.project, actor=world.users["facilitator"])
        stage.refresh_from_db()
    return ladder_results(stage)


P, Q = Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL


def test_counts_and_medians_for_everyone_and_each_label(world):
    for rung in [3, 4, 4, 6]:
        _answer(world, P, rung)
    for rung in [6, 7, 7]:
        _answer(world, Q, rung)
    results = _results(world)
    assert [rung.count for rung in results.everyone.rungs] == [0, 0, 1, 2, 0, 2, 2]
    assert [rung.count for rung in results.participants.rungs] == [0, 0, 1, 2, 0, 1, 0]
    assert [rung.count for rung in results.professionals.rungs] == [0, 0, 0, 0, 0, 1, 2]
    assert results.everyone.median == 6
    assert results.participants.median == 4
    assert results.professionals.median == 7
    assert (
        results.everyone.median_text
        == "Step 6, We help design it, but others still decide some things (co-design)"
    )
    assert all(group.shown for group in results.groups)


def test_an_even_number_of_answers_has_a_median_between_two_rungs(world):
    for rung in [4, 5, 4, 5]:
        _answer(world, P, rung)
    results = _results(world)
    assert results.everyone.median == 4.5
    assert results.everyone.median_text == (
        "Between step 4, We are asked, but others decide (consulting), "
        "and step 5, We have some say, but not an equal say (engaging) (4.5)"
    )


def test_a_small_group_is_held_back_and_so_is_its_partner(world):
    """Two professionals: showing participants would let anyone work out the
    professionals' answers by taking them away from everyone's."""
    for rung in [3, 4, 5]:
        _answer(world, P, rung)
    for rung in [7, 1]:
        _answer(world, Q, rung)
    results = _results(world)
    assert results.everyone.shown
    assert not results.participants.shown
    assert not results.professionals.shown
    assert [counts[1:] for _rung, counts in results.table_rows] == [[None, None]] * 7


def test_a_group_with_no_answers_does_not_hold_the_other_back(world):
    for rung in [3, 4, 5]:
        _answer(world, P, rung)
    results = _results(world)
    assert results.participants.shown
    assert not results.professionals.shown
    assert results.professionals.total == 0
    assert [counts[2] for _rung, counts in results.table_rows] == [0] * 7


def test_nothing_is_shown_below_the_minimum(world):
    for rung in range(1, MIN_ANSWERS_TO_SHOW):
        _answer(world, P, rung)
    results = _results(world)
    assert not any(group.shown for group in results.groups)


@pytest.mark.parametrize("answers", [0])
def test_no_answers(world, answers):
    results = _results(world)
    assert results.everyone.total == answers
    assert results.everyone.median is None
    assert results.everyone.median_text == "No answers yet"


def test_each_answer_counts_under_the_label_it_was_given_with(world):
    """A member who changes their label later would otherwise move their old
    answer from one group to the other, showing everyone which rung they
    chose."""
    members = []
    for label, rung in [(P, 2), (P, 3), (P, 4), (Q, 6), (Q, 7), (Q, 7)]:
        membership = services.membership_add(
            project=world.project, user=UserFactory(), label=label, actor=world.users["facilitator"]
        )
        services.ladder_answer_save(stage=world.stages[0], membership=membership, rung=rung)
        members.append(membership)
    before = _results(world)
    services.membership_change_label(membership=members[0], label=Q, actor=members[0].user)
    after = _results(world)
    assert after == before
    assert [rung.count for rung in after.participants.rungs] == [0, 1, 1, 1, 0, 0, 0]


def test_comments_are_shown_without_who_or_which_rung_in_alphabetical_order(world):
    comments = ["we were told, not asked", "", "Good start", "My ideas were used"]
    for index, (comment, rung) in enumerate(zip(comments, [2, 5, 6, 7], strict=True)):
        membership = services.membership_add(
            project=world.project,
            user=UserFactory(),
            label=P if index % 2 else Q,
            actor=world.users["facilitator"],
        )
        services.ladder_answer_save(
            stage=world.stages[0], membership=membership, rung=rung, comment=comment
        )
    assert _results(world).comments == [
        "Good start",
        "My ideas were used",
        "we were told, not asked",
    ]


def test_comments_wait_until_answers_are_shown(world):
    for rung in range(1, MIN_ANSWERS_TO_SHOW):
        membership = services.membership_add(
            project=world.project, user=UserFactory(), label=P, actor=world.users["facilitator"]
        )
        services.ladder_answer_save(
            stage=world.stages[0], membership=membership, rung=rung, comment="Only me"
        )
    assert _results(world).comments == []


@pytest.mark.parametrize(
    ("participant_rungs", "professional_rungs", "words"),
    [
        (
            [2, 3, 4],
            [5, 6, 7],
            "Participants feel they have less of a say than professionals think. "
            "Their middle answers are 3 steps apart.",
        ),
        (
            [6, 6, 7],
            [4, 5, 6],
            "Participants feel they have more of a say than professionals think. "
            "Their middle answers are 1 step apart.",
        ),
        (
            [4, 5, 5, 6],
            [5, 6, 6, 7],
            "Participants feel they have less of a say than professionals think. "
            "Their middle answers are 1 step apart.",
        ),
        (
            [4, 5, 5, 6],
            [5, 5, 6, 7],
            "Participants feel they have less of a say than professionals think. "
            "Their middle answers are half a step apart.",
        ),
        ([5, 5, 5], [4, 5, 6], "Participants and professionals have the same middle answer."),
        ([5, 5, 5], [4, 5], ""),  # professionals held back, so no comparison
    ],
)
def test_the_difference_between_participants_and_professionals_in_words(
    world, participant_rungs, professional_rungs, words
):
    for rung in participant_rungs:
        _answer(world, P, rung)
    for rung in professional_rungs:
        _answer(world, Q, rung)
    assert _results(world).difference_text == words


def test_the_chart_puts_participants_and_professionals_side_by_side(world):
    for rung in [3, 4, 4]:
        _answer(world, P, rung)
    for rung in [4, 6, 7]:
        _answer(world, Q, rung)
    rows = _results(world).chart_rows
    rung, bars = rows[3]
    assert rung.name == "We are asked, but others decide (consulting)"
    assert [(bar.group.title, bar.count, bar.group.total) for bar in bars] == [
        ("Participants", 2, 3),
        ("Professionals", 1, 3),
    ]


def test_the_chart_shows_everyone_when_the_groups_are_held_back(world):
    for rung in [3, 4, 4]:
        _answer(world, P, rung)
    _answer(world, Q, 7)
    rows = _results(world).chart_rows
    assert [[bar.group.title for bar in bars] for _rung, bars in rows] == [["Everyone"]] * 7
    assert [bar.count for _rung, bars in rows for bar in bars] == [0, 0, 1, 2, 0, 0, 1]


def test_the_chart_is_empty_below_the_minimum(world):
    _answer(world, P, 3)
    assert all(bars == [] for _rung, bars in _results(world).chart_rows)


# Who may see what, and when -----------------------------------------------------


def test_there_are_no_results_while_answers_are_open(world):
    """For nobody: the results do not exist for a page to show until the
    stage ends."""
    for rung in [2, 3, 4, 5, 6, 7]:
        _answer(world, P if rung % 2 else Q, rung)
    stage, future = world.stages[0], world.stages[1]
    assert ladder_results(stage) is None
    assert ladder_results(future) is None
    results = _results(world)
    assert results.everyone.total == 6
    future.refresh_from_db()
    assert future.is_current
    assert ladder_results(future) is None  # now current, so open


def test_results_appear_when_the_project_is_archived_in_the_stage(world):
    """Archiving closes answers for good, so it reveals what ending the
    stage would."""
    for rung in [2, 3, 4]:
        _answer(world, P, rung)
    services.project_archive(project=world.project, actor=world.users["manager"])
    stage = world.stages[0]
    stage.project.refresh_from_db()
    assert stage.is_current
    assert ladder_results(stage).everyone.total == 3


@pytest.mark.parametrize("total", range(6))
def test_while_answers_are_open_only_the_total_may_be_shown_and_only_from_three(world, total):
    visibility = ladder_visibility(world.stages[0], participants=total, professionals=0)
    assert visibility.answers_open
    assert not visibility.results_shown
    assert visibility.groups == frozenset()
    assert visibility.answered == (total if total >= MIN_ANSWERS_TO_SHOW else None)


def test_a_stage_not_started_shows_nothing(world):
    visibility = ladder_visibility(world.stages[2], participants=0, professionals=0)
    assert not visibility.answers_open
    assert not visibility.results_shown
    assert visibility.answered is None


@pytest.mark.parametrize(
    ("participants", "professionals"), list(itertools.product(range(5), repeat=2))
)
def test_the_small_group_rule_for_every_pair_of_group_sizes(participants, professionals):
    """Everyone is shown from 3 answers. A group is shown only with at least
    3 answers, and only when the other group has none or at least 3 too:
    otherwise everyone minus the shown group would be the hidden one."""
    groups = shown_groups(participants=participants, professionals=professionals)
    total = participants + professionals
    assert (EVERYONE in groups) == (total >= MIN_ANSWERS_TO_SHOW)
    small = [size for size in (participants, professionals) if 0 < size < MIN_ANSWERS_TO_SHOW]
    if small:
        assert PARTICIPANTS not in groups
        assert PROFESSIONALS not in groups
    else:
        assert (PARTICIPANTS in groups) == (participants >= MIN_ANSWERS_TO_SHOW)
        assert (PROFESSIONALS in groups) == (professionals >= MIN_ANSWERS_TO_SHOW)


def test_once_closed_the_visibility_gives_the_groups_and_the_total(world):
    services.stage_advance(project=world.project, actor=world.users["facilitator"])
    stage = world.stages[0]
    stage.refresh_from_db()
    visibility = ladder_visibility(stage, participants=2, professionals=4)
    assert visibility.results_shown
    assert not visibility.answers_open
    assert visibility.groups == {EVERYONE}
    assert visibility.answered == 6


def test_comments_are_never_in_the_order_they_were_written(world):
    """Written in the opposite order to the order they are shown in (their
    words), so a list in time order, or in the order of the rows, would
    fail."""
    written = ["Zero say at first", "much better now", "Lots of listening", "an OK start"]
    for index, comment in enumerate(written):
        membership = services.membership_add(
            project=world.project,
            user=UserFactory(),
            label=P if index % 2 else Q,
            actor=world.users["facilitator"],
        )
        services.ladder_answer_save(
            stage=world.stages[0], membership=membership, rung=index + 1, comment=comment
        )
    shown = _results(world).comments
    assert shown == ["an OK start", "Lots of listening", "much better now", "Zero say at first"]
    assert shown == list(reversed(written))
