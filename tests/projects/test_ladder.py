import pytest

from projects import services
from projects.ladder import MIN_ANSWERS_TO_SHOW, ladder_results
from projects.models import Membership
from tests.factories import UserFactory


def _answer(world, label, rung):
    membership = services.membership_add(project=world.project, user=UserFactory(), label=label)
    services.ladder_answer_save(stage=world.stages[0], membership=membership, rung=rung)


P, Q = Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL


def test_counts_and_medians_for_everyone_and_each_label(world):
    for rung in [3, 4, 4, 6]:
        _answer(world, P, rung)
    for rung in [6, 7, 7]:
        _answer(world, Q, rung)
    results = ladder_results(world.stages[0])
    assert [rung.count for rung in results.everyone.rungs] == [0, 0, 1, 2, 0, 2, 2]
    assert [rung.count for rung in results.participants.rungs] == [0, 0, 1, 2, 0, 1, 0]
    assert [rung.count for rung in results.professionals.rungs] == [0, 0, 0, 0, 0, 1, 2]
    assert results.everyone.median == 6
    assert results.participants.median == 4
    assert results.professionals.median == 7
    assert results.everyone.median_text == "Rung 6, Co-design"
    assert all(group.shown for group in results.groups)


def test_an_even_number_of_answers_has_a_median_between_two_rungs(world):
    for rung in [4, 5, 4, 5]:
        _answer(world, P, rung)
    results = ladder_results(world.stages[0])
    assert results.everyone.median == 4.5
    assert results.everyone.median_text == (
        "Between rung 4, Consulting, and rung 5, Engaging (4.5)"
    )


def test_a_small_group_is_held_back_and_so_is_its_partner(world):
    """Two professionals: showing participants would let anyone work out the
    professionals' answers by taking them away from everyone's."""
    for rung in [3, 4, 5]:
        _answer(world, P, rung)
    for rung in [7, 1]:
        _answer(world, Q, rung)
    results = ladder_results(world.stages[0])
    assert results.everyone.shown
    assert not results.participants.shown
    assert not results.professionals.shown
    assert [counts[1:] for _rung, counts in results.table_rows] == [[None, None]] * 7


def test_a_group_with_no_answers_does_not_hold_the_other_back(world):
    for rung in [3, 4, 5]:
        _answer(world, P, rung)
    results = ladder_results(world.stages[0])
    assert results.participants.shown
    assert not results.professionals.shown
    assert results.professionals.total == 0
    assert [counts[2] for _rung, counts in results.table_rows] == [0] * 7


def test_nothing_is_shown_below_the_minimum(world):
    for rung in range(1, MIN_ANSWERS_TO_SHOW):
        _answer(world, P, rung)
    results = ladder_results(world.stages[0])
    assert not any(group.shown for group in results.groups)


@pytest.mark.parametrize("answers", [0])
def test_no_answers(world, answers):
    results = ladder_results(world.stages[0])
    assert results.everyone.total == answers
    assert results.everyone.median is None
    assert results.everyone.median_text == "No answers yet"
