"""Pages bounded by design: the project home, members, stages, a stage page
and the decision log take the same queries, and about the same bytes, for a
project of 10 members and 10 decisions as for one of 2,000 of each (built in
bulk). The lists are paged, the home shows the first few of each list and
how many more there are, and the decision log's CSV export streams every row.

The page size and the home's limits are set small here, so that the small
project already fills every page and every limit: what could still grow
with the data is then exactly what must not.

``pytest -s`` prints the figures (queries and bytes at both sizes)."""

import csv
import io
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import next_steps
from decisions import services as decision_services
from decisions.models import Comment, Decision, Outcome, Vote
from decisions.templatetags import decision_tags
from projects import selectors, services
from projects.models import Activity, LadderAnswer, Membership
from projects.permissions import SYSTEM
from tests.factories import DecisionFactory, OrganisationFactory, UserFactory, bulk_members
from tests.roles import sign_in

SMALL, LARGE = 10, 2_000
# The large page may be at most this much bigger than the small one.
GROWTH = 1.15
# Most queries for each page, at any size (session, user, project, the
# viewer's membership and the manager check come first: five).
PAGE_QUERIES = {
    # stages, activity, member counts, first names, open decisions, voices,
    # and what the viewer can do now: votes, ladder checks, outcomes
    "home": 14,
    # member counts, the length of the list, the page
    "members": 8,
    # stages with their ladder counts
    "stages": 6,
    # stages, own answer, the answers
    "stage": 8,
    # stages (the filter), the length of the list, the page's ids, their rows
    "log": 9,
}


def _url(project, page):
    slug = {"slug": project.slug}
    return {
        "home": lambda: reverse("projects:detail", kwargs=slug),
        "members": lambda: reverse("projects:members", kwargs=slug),
        "stages": lambda: reverse("projects:stages", kwargs=slug),
        "stage": lambda: reverse(
            "projects:stage_detail",
            kwargs={**slug, "pk": project.stages.order_by("position")[0].pk},
        ),
        "log": lambda: reverse("decisions:log", kwargs=slug),
    }[page]()


def _project(size):
    """A project with ``size`` more members (half participants), everyone's
    ladder answer with a reason on the first stage (which has then ended, so
    its results show), ``size`` decisions (a third open, a third closed
    without an outcome, a third with one), a vote and a comment from each
    member, and ``size`` lines of activity. Returns the project and its
    facilitator."""
    organisation = OrganisationFactory(name=f"Trust of {size}")
    founder = UserFactory(display_name=f"Founder {size}")
    organisation.managers.add(founder)
    project = services.project_create(
        organisation=organisation, name=f"Project of {size}", summary="x", actor=founder
    )
    facilitator = services.membership_add(
        project=project,
        user=UserFactory(display_name="Fran Facilitator"),
        label=Membership.Label.PROFESSIONAL,
        is_facilitator=True,
        actor=founder,
    )
    members = bulk_members(
        project,
        size,
        label=[Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL],
        prefix=f"Member of {size}",
    )
    first_stage = project.stages.order_by("position")[0]
    LadderAnswer.objects.bulk_create(
        LadderAnswer(
            stage=first_stage,
            membership=member,
            label=member.label,
            rung=index % 7 + 1,
            comment=f"Because of reason {index:04d}",
        )
        for index, member in enumerate(members)
    )
    services.stage_advance(project=project, actor=founder)
    stage = project.stages.get(started_at__isnull=False, ended_at__isnull=True)

    # One decision closed for real, whose result the closed ones copy.
    model = DecisionFactory(project=project, stage=stage, proposer=members[0], title="Model")
    for member in members[:3]:
        decision_services.vote_cast(member=member, decision=model, choice="agree")
    decision_services.decision_close(decision_id=model.pk, notify=False, actor=SYSTEM)
    model.refresh_from_db()
    now = timezone.now()

    def decision(index):
        """Open, or closed with the model's result: a third of them open."""
        at = now - timedelta(minutes=index)
        closed = {
            "status": Decision.Status.CLOSED,
            "closed_at": at,
            "closes_at": at,
            "result": model.result,
            "quorum_met": model.quorum_met,
            "tally": model.tally,
        }
        return Decision(
            project=project,
            stage=stage,
            proposer=members[index % size],
            title=f"Decision {index:04d} of {size}",
            description="Open the day centre until 6pm on weekdays.",
            kind=Decision.Kind.CONSENT,
            created_at=at,
            **({"closes_at": now + timedelta(days=3, minutes=index)} if index % 3 == 0 else closed),
        )

    decisions = Decision.objects.bulk_create(decision(index) for index in range(size - 1))
    Outcome.objects.bulk_create(
        Outcome(decision=decision, statement="We open later on Fridays.", who="Sam")
        for index, decision in enumerate(decisions)
        if index % 3 == 2
    )
    Vote.objects.bulk_create(
        Vote(decision=decisions[index % len(decisions)], member=member, choice="agree")
        for index, member in enumerate(members[3:])
    )
    Comment.objects.bulk_create(
        Comment(decision=decisions[index % len(decisions)], author=member, body="Good idea.")
        for index, member in enumerate(members)
    )
    Activity.objects.bulk_create(
        Activity(project=project, summary=f"Something happened {index}") for index in range(size)
    )
    return project, facilitator


@pytest.fixture
def small_limits(settings, monkeypatch):
    settings.COPRODUCE_PAGE_SIZE = 5
    monkeypatch.setattr(selectors, "NAMES_ON_HOME", 3)
    monkeypatch.setattr(decision_tags, "OPEN_SHOWN", 3)
    monkeypatch.setattr(next_steps, "OUTCOMES_SHOWN", 3)
    monkeypatch.setattr(next_steps, "VOTES_SHOWN", 3)


def _get(client, project, facilitator, page, max_queries=None):
    """The page as the facilitator sees it: how many queries it took, and
    its HTML."""
    sign_in(client, facilitator.user)
    url = _url(project, page)
    with max_queries or CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return len(queries), response.content.decode()


@pytest.mark.parametrize("page", PAGE_QUERIES)
def test_queries_and_bytes_do_not_grow(
    client, db, small_limits, django_assert_max_num_queries, page
):
    figures = {}
    for size in (SMALL, LARGE):
        project, facilitator = _project(size)
        limit = django_assert_max_num_queries(PAGE_QUERIES[page])
        queries, html = _get(client, project, facilitator, page, limit)
        figures[size] = (queries, len(html.encode()), html)
    (small_queries, small_bytes, small), (large_queries, large_bytes, large) = (
        figures[SMALL],
        figures[LARGE],
    )
    print(  # noqa: T201  (pytest -s shows the figures for the report)
        f"\n{page}: {SMALL} -> {small_queries} queries, {small_bytes} bytes; "
        f"{LARGE} -> {large_queries} queries, {large_bytes} bytes"
    )
    assert small_queries == large_queries
    assert large_bytes <= small_bytes * GROWTH, (small_bytes, large_bytes)
    if page in {"members", "log"}:
        # A full page, and links to the others, at both sizes.
        for html in (small, large):
            assert 'aria-label="Pages of' in html
            assert 'rel="next"' in html
    if page == "stage":
        for html in (small, large):
            assert "Because of reason 0000" in html
            assert 'aria-label="Pages of comments"' in html


def test_the_home_says_how_many_more_and_links_to_the_full_lists(client, db, small_limits):
    project, facilitator = _project(LARGE)
    _, html = _get(client, project, facilitator, "home")
    log = reverse("decisions:log", kwargs={"slug": project.slug})
    members = reverse("projects:members", kwargs={"slug": project.slug})
    open_count = Decision.objects.filter(project=project, status="open").count()
    assert f'<a href="{log}?result=open">See all {open_count} open decisions</a>' in html
    assert f"And {open_count - 3} more." in html
    missing = Decision.objects.filter(project=project, status="closed", outcome__isnull=True)
    assert f"See all {missing.count()} decisions without an outcome" in html
    participants = Membership.objects.filter(project=project, label="participant").count()
    assert f'<a href="{members}?label=participant">See all {participants} participants</a>' in html
    assert html.count("Write the outcome of") == 3


def test_page_titles_say_which_page(client, db, small_limits):
    project, facilitator = _project(SMALL)
    sign_in(client, facilitator.user)
    log = client.get(_url(project, "log"), {"page": 2}).content.decode()
    assert f"<title>Decisions in {project.name}, page 2 of 2 - Coproduce</title>" in log
    members = client.get(_url(project, "members"), {"page": 3}).content.decode()
    assert f"<title>Members of {project.name}, page 3 of 3 - Coproduce</title>" in members
    first = client.get(_url(project, "members")).content.decode()
    assert f"<title>Members of {project.name} - Coproduce</title>" in first


def test_the_log_keeps_its_filters_on_the_page_links(client, db, small_limits):
    project, facilitator = _project(SMALL * 3)
    sign_in(client, facilitator.user)
    html = client.get(_url(project, "log"), {"outcome": "written"}).content.decode()
    assert 'href="?outcome=written&amp;page=2#list-title"' in html
    # The export has every row that matches, whatever the page.
    html = client.get(_url(project, "log"), {"outcome": "written", "page": 2}).content.decode()
    assert "Decisions that match the filter: 9" in html
    assert 'export.csv?outcome=written"' in html


def test_members_can_be_found_by_name_and_label(client, db, small_limits):
    project, facilitator = _project(SMALL)
    sign_in(client, facilitator.user)
    url = _url(project, "members")
    html = client.get(url, {"name": "fran"}).content.decode()
    assert "Members who match: 1" in html
    assert '<span class="visually-hidden">About </span>Fran Facilitator</a> (you)' in html
    html = client.get(url, {"label": "participant"}).content.decode()
    assert "Members who match: 5" in html
    assert "</span>Fran Facilitator</a>" not in html
    html = client.get(url, {"label": "nobody"}).content.decode()
    assert "<title>Error: Members of" in html
    assert '<a href="#find_label">Choose who to show from the list</a>' in html
    # Every id once, with the form to find members and the form for your own
    # label on the same page.
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_the_csv_export_streams_every_row(client, db, django_assert_max_num_queries):
    project, facilitator = _project(LARGE)
    sign_in(client, facilitator.user)
    # Session, user, project, membership, manager check, stages, then the
    # decisions read a chunk at a time through one server-side cursor.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("decisions:export", kwargs={"slug": project.slug}))
        assert response.streaming
        body = response.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    decisions = Decision.objects.filter(project=project)
    assert len(rows) == decisions.count() == LARGE
    assert [row["Title"] for row in rows] == list(
        decisions.order_by("-created_at", "-pk").values_list("title", flat=True)
    )
    closed = next(row for row in rows if row["Status"] == "Closed")
    assert closed["Result in words"]
    assert closed["Proposed by"].startswith("Member of")
