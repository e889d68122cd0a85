"""Every project page reads only what it shows: the project home (as a
participant and as a facilitator), the stages, a stage page (its results
once the stage has ended, its form while answers are open) and the members
page take the same queries, read about the same number of rows from the
database and send about the same bytes for a small project as for a large
one: 10 or 200 members, 9 or 199 decisions, and a ladder answer with a
reason from every member at two stages.

test_page_size.py builds the projects (its _project) and keeps its limits
small (its small_limits), so that the small project already fills every
page and every limit; what could still grow with the data is then exactly
what must not. This file adds what it does not pin: the home as a
participant, a stage whose answers are still open, answers at more than
one stage, and the rows each page reads. A page that read every answer or
every member into Python (to count them, or to sort them) would read
hundreds of rows more at the large size, with the same queries and bytes.

``pytest -s`` prints the figures (queries, rows and bytes at both sizes)."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from projects.models import LadderAnswer, Membership
from tests.projects.test_page_size import _project, small_limits  # noqa: F401  (a fixture)
from tests.roles import FACILITATOR, PARTICIPANT, sign_in

pytestmark = pytest.mark.usefixtures("small_limits")

SMALL, LARGE = 10, 200
# The large page may be at most this much bigger than the small one.
GROWTH = 1.15

# Each page: who looks at it, the most queries and the most rows it may read
# at any size. Every page first reads the session, the user, the project,
# the viewer's membership and whether they manage the project: five queries,
# one row each at most.
PAGES = {
    # stages (7 rows), activity (10), member counts (1), the first names of
    # each group (3 + 3), open decisions (3, with their count), the voice
    # balance (a row per label); what the viewer can do now: votes waiting,
    # ladder checks and outcomes to write (3 + at most 5 + 3, with counts)
    "home": (PARTICIPANT, 14, 5 + 7 + 10 + 1 + 6 + 3 + 2 + 3 + 5 + 3),
    "home as facilitator": (FACILITATOR, 14, 5 + 7 + 10 + 1 + 6 + 3 + 2 + 3 + 5 + 3),
    # stages with their answer counts
    "stages": (FACILITATOR, 6, 5 + 7),
    # stages with their answer counts and the member's own answer, how many
    # of each label chose each rung (at most 2 x 7), a page of comments (5)
    "ended stage": (PARTICIPANT, 8, 5 + 7 + 14 + 5),
    # stages with their answer counts and the member's own answer
    "open stage": (PARTICIPANT, 6, 5 + 7),
    # member counts, the length of the list, a page of members (5)
    "members": (FACILITATOR, 8, 5 + 1 + 1 + 5),
}


def _world(size):
    """test_page_size's project of ``size`` (its first stage ended, with an
    answer and a reason from every member), with an answer from every
    member at the current stage too; and who looks at its pages."""
    project, facilitator = _project(size)
    current = project.stages.get(started_at__isnull=False, ended_at__isnull=True)
    members = list(Membership.objects.filter(project=project).order_by("pk"))
    LadderAnswer.objects.bulk_create(
        LadderAnswer(
            stage=current,
            membership=member,
            label=member.label,
            rung=index % 7 + 1,
            comment=f"So far because of {index:04d}",
        )
        for index, member in enumerate(members)
    )
    # The fifth member of test_page_size's project: a participant who
    # proposed one decision that has closed without an outcome.
    participant = Membership.objects.get(
        project=project, user__display_name=f"Member of {size} 4", label=PARTICIPANT
    )
    return project, {FACILITATOR: facilitator, PARTICIPANT: participant}


def _url(project, page):
    slug = {"slug": project.slug}
    stages = list(project.stages.order_by("position"))
    ended = next(stage for stage in stages if stage.ended_at)
    current = next(stage for stage in stages if stage.is_current)
    return {
        "home": reverse("projects:detail", kwargs=slug),
        "home as facilitator": reverse("projects:detail", kwargs=slug),
        "stages": reverse("projects:stages", kwargs=slug),
        "ended stage": reverse("projects:stage_detail", kwargs={**slug, "pk": ended.pk}),
        "open stage": reverse("projects:stage_detail", kwargs={**slug, "pk": current.pk}),
        "members": reverse("projects:members", kwargs=slug),
    }[page]


class RowsRead:
    """Counts the rows that the queries run inside it return (a SELECT's
    rowcount is how many rows it returned)."""

    def __init__(self):
        self.rows = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip("( ").upper().startswith("SELECT"):
            self.rows += max(context["cursor"].rowcount, 0)
        return result

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def _get(client, size, page, django_assert_max_num_queries):
    """The page of a project of ``size``, as its viewer sees it, within the
    page's query limit: how many rows it read, its HTML and the viewer."""
    viewer, max_queries, _max_rows = PAGES[page]
    project, people = _world(size)
    sign_in(client, people[viewer].user)
    url = _url(project, page)
    with django_assert_max_num_queries(max_queries), RowsRead() as read:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return read.rows, response.content.decode(), people[viewer]


@pytest.mark.parametrize("page", PAGES)
def test_queries_rows_and_bytes_do_not_grow(client, db, django_assert_max_num_queries, page):
    _viewer, max_queries, max_rows = PAGES[page]
    (small_rows, small, _), (large_rows, large, _) = (
        _get(client, size, page, django_assert_max_num_queries) for size in (SMALL, LARGE)
    )
    small_bytes, large_bytes = len(small.encode()), len(large.encode())
    print(  # noqa: T201  (pytest -s shows the figures)
        f"\n{page}: at most {max_queries} queries; {SMALL} -> {small_rows} rows, "
        f"{small_bytes} bytes; {LARGE} -> {large_rows} rows, {large_bytes} bytes"
    )
    assert small_rows <= max_rows
    assert large_rows <= max_rows
    assert large_bytes <= small_bytes * GROWTH, (small_bytes, large_bytes)


def test_the_ended_stage_shows_the_first_comments_in_word_order_at_both_sizes(
    client, db, django_assert_max_num_queries
):
    """The comments are read a page at a time, in the order of their words,
    and the results count every answer."""
    for size in (SMALL, LARGE):
        _rows, html, _viewer = _get(client, size, "ended stage", django_assert_max_num_queries)
        comments = html.split("Why people chose their step", 1)[1]
        shown = [f"Because of reason {index:04d}" for index in range(5)]
        assert [comment for comment in shown if comment in comments] == shown
        assert "Because of reason 0005" not in comments
        assert f"Showing comments 1 to 5 of {size}." in comments
        assert f"{size} people answered." in html
        assert "You said: <strong>step 5, " in html


def test_the_open_stage_shows_only_how_many_answered_and_the_own_answer(
    client, db, django_assert_max_num_queries
):
    for size in (SMALL, LARGE):
        _rows, html, viewer = _get(client, size, "open stage", django_assert_max_num_queries)
        own = LadderAnswer.objects.get(membership=viewer, stage__ended_at__isnull=True)
        # Their own reason, in the form, and nobody else's.
        assert html.count("So far because of") == html.count(own.comment) == 1
        assert f"{size + 1} people have answered the ladder check so far." in html
        assert "What members said" not in html


def test_the_participant_is_asked_for_the_outcome_of_their_own_proposal_only(
    client, db, django_assert_max_num_queries
):
    _rows, html, _viewer = _get(client, LARGE, "home", django_assert_max_num_queries)
    assert html.count("Write the outcome of") == 1
    assert "(you proposed it)" in html
    assert "See all 0 decisions" not in html
