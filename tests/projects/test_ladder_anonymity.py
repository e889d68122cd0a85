"""Ladder answers cannot be read by difference (projects/ladder.py).

The attack: read a page, wait until one more person answers, read it again
and compare. While a stage's answers are open, every page (the stage page,
the project home, the stages list, the page for moving on) must come out the
same before and after, for every viewer, except for the total number of
answers (shown from 3 up). Once the stage has ended, the results are shown
with the small-group rule, and nothing on the page lets a hidden group be
worked out by taking the shown figures away from everyone's.
"""

import itertools
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from projects import services
from projects.ladder import MIN_ANSWERS_TO_SHOW
from projects.models import LadderAnswer, Membership
from tests.factories import OrganisationFactory, UserFactory, bulk_members

P, Q = Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL

# What differs on every response, whatever the data: the form token and
# the Content Security Policy's nonce.
PER_RESPONSE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')
ANSWERED = re.compile(r"<p>(Fewer than \d+|\d+) people have answered the ladder check so far\.</p>")
# Any figure of the results: none of these may be on a page while answers
# are open.
RESULT_MARKERS = [
    "What members said",
    'id="ladder-results-heading"',
    "median",
    "Middle answer",
    "middle answer",
    "How many people chose each step",
    "<meter",
    "Why people chose their step",
    "Step 1, We come along, but have no say (coercion)",
    "Step 7, We are equal partners, from start to end (co-production)",
    "Everyone, ",
]
# How many of one group have answered, in any wording.
GROUP_COUNT = re.compile(
    r"\d+ (?:of \d+ )?(?:participants?|professionals?)(?: have| has)? (?:answered|said)"
    r"|\(\d+ of \d+ participant"
)


def _member(project, name, label, **kwargs):
    user = UserFactory(display_name=name)
    return services.membership_add(project=project, user=user, label=label, actor=user, **kwargs)


def _answer(world, membership, rung, comment=""):
    services.ladder_answer_save(
        stage=world.stage, membership=membership, rung=rung, comment=comment
    )


def _world(participants: int, *, name="Garden Project", organisation=None, manager=None):
    """A project with `participants` participants, three professionals (one
    who will have answered, one who will not, and the facilitator), and the
    organisation's project manager, who is not a member."""
    if organisation is None:
        organisation = OrganisationFactory(name="Riverside Trust")
        manager = UserFactory(display_name="Mo Manager")
        organisation.managers.add(manager)
    project = services.project_create(
        organisation=organisation, name=name, summary="Gardens.", actor=manager
    )
    world = SimpleNamespace(
        organisation=organisation,
        project=project,
        manager=manager,
        facilitator=_member(project, "Fran Facilitator", Q, is_facilitator=True),
        answered=_member(project, "Quinn Answered", Q),
        waiting=_member(project, "Rae Waiting", Q),
        participants=[_member(project, f"Pat {index}", P) for index in range(participants)],
    )
    world.stage = project.stages.order_by("position").first()
    return world


def _pages(world) -> dict[str, tuple]:
    """Every page that says anything about the ladder check, for every kind
    of viewer: {viewer: (user, addresses)}."""
    slug = world.project.slug
    stage = reverse("projects:stage_detail", kwargs={"slug": slug, "pk": world.stage.pk})
    home = reverse("projects:detail", kwargs={"slug": slug})
    timeline = reverse("projects:stages", kwargs={"slug": slug})
    advance = reverse("projects:stage_advance", kwargs={"slug": slug})
    everyones = [stage, home, timeline, reverse("home")]  # and the list of projects
    return {
        "answered member": (world.answered.user, everyones),
        "member who has not answered": (world.waiting.user, everyones),
        "facilitator": (world.facilitator.user, [*everyones, advance]),
        "project manager": (world.manager, [*everyones, advance]),
    }


def _read(client, world) -> dict[tuple[str, str], str]:
    pages = {}
    for viewer, (user, urls) in _pages(world).items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (viewer, url)
            pages[viewer, url] = response.content.decode()
    return pages


def _without_the_total(html: str) -> str:
    return ANSWERED.sub("<p>[how many have answered]</p>", PER_RESPONSE.sub("", html))


def _assert_nothing_of_the_answers(html: str, where) -> None:
    assert "Secret reason" not in html, where
    for marker in RESULT_MARKERS:
        assert marker not in html, (where, marker)
    assert not GROUP_COUNT.search(html), (where, GROUP_COUNT.search(html))


@pytest.mark.parametrize("facilitator_answered", [False, True], ids=["fran waits", "fran said"])
@pytest.mark.parametrize("group_size", [1, 2, 3, 4])
def test_one_more_answer_changes_nothing_but_the_total_while_the_stage_is_current(
    db, client, group_size, facilitator_answered
):
    """The issue's attack, for participant groups of 1 to 4: every page is
    read before and after the last participant answers."""
    world = _world(group_size)
    _answer(world, world.answered, 4)
    if facilitator_answered:
        _answer(world, world.facilitator, 6)
    *earlier, last = world.participants
    for index, membership in enumerate(earlier):
        _answer(world, membership, 1 if index % 2 else 7, comment=f"Secret reason {index}")
    before = _read(client, world)
    _answer(world, last, 7, comment="Secret reason of the last one")
    after = _read(client, world)

    answered_before = len(earlier) + 1 + facilitator_answered
    for where, html in before.items():
        changed = after[where]
        # The same page, but for how many have answered...
        assert _without_the_total(html) == _without_the_total(changed), where
        # ...which is the total only, and only from 3 up.
        for page, answered in [(html, answered_before), (changed, answered_before + 1)]:
            shown = "Fewer than 3" if answered < MIN_ANSWERS_TO_SHOW else str(answered)
            expected = [] if where[1] == reverse("home") else [shown]
            assert ANSWERED.findall(page) == expected, where
            _assert_nothing_of_the_answers(page, where)
        # Members see their own answer, and nobody else's.
        viewer, url = where
        stage_page = url == world.stage.get_absolute_url()
        own = {"answered member": 4, "facilitator": 6 if facilitator_answered else None}
        for page in (html, changed):
            if stage_page and own.get(viewer):
                assert page.count("You said:") == 1, where
                assert f"You said: <strong>step {own[viewer]}," in page, where
            else:
                assert "You said:" not in page, where


def test_nothing_shows_before_the_first_three_answers_not_even_the_first(db, client):
    """From 0 to 2 answers the pages do not change at all: not even that
    somebody has answered."""
    world = _world(2)
    pages = [_read(client, world)]
    _answer(world, world.participants[0], 2)
    pages.append(_read(client, world))
    _answer(world, world.participants[1], 6)
    pages.append(_read(client, world))
    for where in pages[0]:
        assert len({PER_RESPONSE.sub("", read[where]) for read in pages}) == 1, where


def test_someone_leaving_changes_no_number(db, client):
    """Their answer still counts, as it will in the results, so a drop in
    the total would not tell anyone that they had answered."""
    world = _world(3)
    for membership in world.participants:
        _answer(world, membership, 5)
    _answer(world, world.answered, 3)
    before = _read(client, world)
    services.membership_leave(membership=world.participants[0])
    after = _read(client, world)
    for where, html in before.items():
        if where[1] != reverse("home"):
            assert ANSWERED.findall(html) == ["4"] == ANSWERED.findall(after[where]), where


# Once the stage has ended -----------------------------------------------------


def _end_stage(world):
    services.stage_advance(project=world.project, actor=world.manager)
    world.stage.refresh_from_db()


def _results_html(client, world, user) -> str:
    client.force_login(user)
    html = client.get(world.stage.get_absolute_url()).content.decode()
    return html.split('<div id="ladder-results">', 1)[1].split("</section>", 1)[0]


def _table(html: str) -> dict[str, list[str]]:
    """The results table: its row headings, each with the cells for
    everyone, participants and professionals."""
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', html, re.S)
    return {
        heading: [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        for heading, cells in rows
    }


@pytest.mark.parametrize(
    ("participants", "professionals"), list(itertools.product(range(5), repeat=2))
)
def test_after_the_stage_ends_small_groups_are_held_back_and_cannot_be_subtracted(
    db, client, participants, professionals
):
    world = _world(0)
    for index in range(participants):
        _answer(world, _member(world.project, f"Pat {index}", P), index % 7 + 1, "Secret reason")
    for index in range(professionals):
        _answer(world, _member(world.project, f"Prof {index}", Q), 7 - index % 7, "Secret reason")
    _end_stage(world)
    html = _results_html(client, world, world.manager)
    total = participants + professionals
    assert "What members said" in html
    if total < MIN_ANSWERS_TO_SHOW:
        people = "person" if total == 1 else "people"
        assert not total or f"{total} {people} answered. That is too few" in html
        assert "<table" not in html
        assert "<meter" not in html
        assert "Secret reason" not in html
        return
    assert f"Everyone, {total} answers" in html
    assert "Secret reason" in html
    small = any(0 < size < MIN_ANSWERS_TO_SHOW for size in (participants, professionals))
    for size, title in [
        (participants, "Participants"),
        (professionals, "Professionals"),
    ]:
        shown = size >= MIN_ANSWERS_TO_SHOW and not small
        assert (f"{title}, {size} answers: middle answer <strong>" in html) == shown
        # Counted on the ladder picture, step by step, only when shown.
        assert bool(re.search(rf"{title}: \d+ of {size}\.", html)) == shown
        if 0 < size < MIN_ANSWERS_TO_SHOW:
            assert f"{title}: too few to show" in html
    table = _table(html)
    for heading, (everyone, *groups) in table.items():
        # A group's cells are shown only alongside the other group's, so
        # everyone minus a shown group is never a hidden group.
        assert everyone != "Not shown", heading
        assert (groups[0] == "Not shown") == (groups[1] == "Not shown"), heading
        assert small == (groups[0] == "Not shown"), heading
        if heading != "Middle answer (median)" and not small:
            assert int(everyone) == int(groups[0]) + int(groups[1]), heading


@pytest.mark.parametrize("small_label", [P, Q], ids=["few participants", "few professionals"])
@pytest.mark.parametrize(("small", "other"), list(itertools.product([1, 2], [1, 2, 3, 4])))
def test_a_hidden_groups_rungs_make_no_difference_to_the_page(
    db, client, small_label, small, other
):
    """Two projects whose answers are the same overall, but whose small
    group chose differently (swapped with the other group's). Whatever the
    page shows of the second group would let a reader work out the small
    group by subtraction, so the pages must be the same. Their comments are
    the same too, written by different groups in a different order."""
    other_label = Q if small_label == P else P
    swapped = min(small, other)
    answers = {
        "A": {small_label: [1] * small, other_label: [7] * other},
        "B": {
            small_label: [7] * swapped + [1] * (small - swapped),
            other_label: [1] * swapped + [7] * (other - swapped),
        },
    }
    comments = ["Secret reason: heard", "Secret reason: asked", "Secret reason: told"]
    first = _world(0, name="Project A")
    second = _world(0, name="Project B", organisation=first.organisation, manager=first.manager)
    pages = []
    for world, key in [(first, "A"), (second, "B")]:
        people = [
            (label, rung) for label in (small_label, other_label) for rung in answers[key][label]
        ]
        if key == "B":
            people.reverse()
        for index, (label, rung) in enumerate(people):
            comment = comments[index % 3] if index < 3 else ""
            _answer(world, _member(world.project, f"Person {index}", label), rung, comment)
        _end_stage(world)
        pages.append(_results_html(client, world, world.manager))
    assert sorted(sum(answers["A"].values(), [])) == sorted(sum(answers["B"].values(), []))
    assert answers["A"][small_label] != answers["B"][small_label]
    assert pages[0] == pages[1]


def test_after_the_stage_ends_everyone_sees_the_same_results(db, client):
    world = _world(3)
    for index, membership in enumerate(world.participants):
        _answer(world, membership, index + 2, comment=f"Secret reason {index}")
    _answer(world, world.answered, 5)
    _answer(world, world.facilitator, 6)
    _answer(world, world.waiting, 7)
    _end_stage(world)
    viewers = [world.answered.user, world.participants[0].user, world.facilitator.user]
    results = [_results_html(client, world, user) for user in [world.manager, *viewers]]
    # All but the viewer's own answer: "You said" and its mark on the ladder.
    own = (
        r"<p>You said: .*?</p>"
        r'|<strong class="ladder__mark"><span[^>]*>[^<]*</span>Your answer</strong>'
    )
    without_own = [re.sub(own, "", html) for html in results]
    assert all(html.count("Your answer") == 1 for html in results[1:])
    assert len(set(without_own)) == 1
    assert (
        "Participants, 3 answers: middle answer "
        "<strong>Step 3, We are told what will happen (informing)</strong>." in results[0]
    )
    assert (
        "Professionals, 3 answers: middle answer "
        "<strong>Step 6, We help design it, but others still decide some things"
        " (co-design)</strong>." in results[0]
    )
    assert "Secret reason 2" in results[0]
    # The stages list and the project home say only how many answered.
    client.force_login(world.waiting.user)
    timeline = client.get(reverse("projects:stages", kwargs={"slug": world.project.slug}))
    assert "6 people answered the ladder check." in timeline.content.decode()


def test_comments_after_the_stage_ends_are_not_in_the_order_they_were_written(db, client):
    """Written in the opposite order to the order they are shown in (by
    their words), with no name, label or time."""
    world = _world(2)
    written = [
        (world.participants[0], "Secret reason: zero say at first"),
        (world.answered, "Secret reason: much better now"),
        (world.participants[1], "Secret reason: Lots of listening"),
        (world.facilitator, "Secret reason: an OK start"),
    ]
    for rung, (membership, comment) in enumerate(written, start=1):
        _answer(world, membership, rung, comment)
    _end_stage(world)
    html = _results_html(client, world, world.waiting.user)
    comments = html.split("Why people chose their step", 1)[1]
    shown = re.findall(r'<li class="prose">(.*?)</li>', comments)
    assert shown == [comment for _membership, comment in reversed(written)]
    assert "<time" not in comments
    for name in ["Pat 0", "Pat 1", "Quinn", "Fran", "participant", "professional"]:
        assert name not in comments


@pytest.mark.parametrize("size", [5, 200])
def test_a_past_stage_page_query_count_does_not_grow_with_answers(
    db, client, django_assert_max_num_queries, size
):
    world = _world(0)
    # Built in bulk: what the page reads, not how the answers were written.
    members = bulk_members(world.project, size, label=[Q, P], prefix="Person")
    LadderAnswer.objects.bulk_create(
        LadderAnswer(
            stage=world.stage,
            membership=member,
            rung=index % 7 + 1,
            label=member.label,
            comment="Hm",
        )
        for index, member in enumerate(members)
    )
    _end_stage(world)
    client.force_login(world.facilitator.user)
    url = world.stage.get_absolute_url()
    # Session, user, project, membership, manager check; stages with their
    # answer counts, own answer, the results.
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert f"Everyone, {size} answers" in response.content.decode()
