"""The decision page is bounded by design (issue 12): from a few votes,
comments and members to many, a member's page and a facilitator's page take
the same number of queries and stay the same size in bytes, because the
votes, the reasons and the comments are shown a page at a time and a
facilitator finds the member whose vote they record by name instead of
choosing from everyone. Then the search step of recording a vote, without
JavaScript."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from decisions import services
from decisions.models import Comment, Decision, Vote
from projects.permissions import SYSTEM
from tests.browser import conftest as browser_conftest
from tests.browser.crawling import axe_violations, shell_problems
from tests.decisions.support import make_decision
from tests.factories import ProjectFactory, bulk_members

SMALL = {"members": 10, "votes": 10, "comments": 10}
LARGE = {"members": 2_000, "votes": 1_000, "comments": 1_000}
# The most queries either page takes (the shell's session and user
# included), and how much bigger the large page may be than the small one
# for each list shown a page at a time: its page links ("Previous 1 2 ...
# 100 Next", about 1 KB), "Showing comments 1 to 10 of 1,000." and longer
# numbers in names. However many more votes, comments and members there
# are, the page grows by that and no more (measured: 2.1 KB for a member,
# 3.4 KB on an anonymous decision's result with its reasons).
MAX_QUERIES = 16
GROWTH_PER_LIST = 1_500


def problems(page, label):
    return axe_violations(page, label) + shell_problems(page, label)


def _fill(world, decision, *, members, votes, comments):
    """``members`` more members, the first ``votes`` of them with a vote
    (half with a reason, some recorded by the facilitator) and ``comments``
    comments among them, each made in one bulk query."""
    people = bulk_members(world.project, members, label=["participant", "professional"])
    Vote.objects.bulk_create(
        Vote(
            decision=decision,
            member=member,
            choice="agree" if index % 3 else "disagree",
            reason=f"Reason number {index}" if index % 2 else "",
            recorded_by=world.facilitator.user if index % 5 == 0 else None,
            channel="phone" if index % 5 == 0 else "online",
        )
        for index, member in enumerate(people[:votes])
    )
    Comment.objects.bulk_create(
        Comment(
            decision=decision,
            author=people[index % members],
            body=f"Comment number {index}: I think the day centre should open later.",
        )
        for index in range(comments)
    )


def _measure(client, url):
    client.get(url)  # once before, so that caches are warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return len(queries), len(response.content), response.content.decode()


def _page_at(client, world, size, *, viewer, anonymous_and_closed):
    decision = make_decision(world, is_anonymous=anonymous_and_closed)
    _fill(world, decision, **size)
    if anonymous_and_closed:
        services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(getattr(world, viewer).user)
    return decision.get_absolute_url(), *_measure(client, decision.get_absolute_url())


@pytest.mark.parametrize("viewer", ["participant", "facilitator"])
@pytest.mark.parametrize("anonymous_and_closed", [False, True], ids=["open", "anonymous-closed"])
def test_the_decision_page_is_the_same_size_with_many_votes_comments_and_members(
    client, world, settings, viewer, anonymous_and_closed, django_assert_max_num_queries
):
    settings.COPRODUCE_PAGE_SIZE = 10  # so the small page fills exactly one page of each list
    _, small_queries, small_bytes, small = _page_at(
        client, world, SMALL, viewer=viewer, anonymous_and_closed=anonymous_and_closed
    )
    Comment.objects.all().delete()
    Vote.objects.all().delete()
    url, large_queries, large_bytes, large = _page_at(
        client, world, LARGE, viewer=viewer, anonymous_and_closed=anonymous_and_closed
    )
    sizes = (
        f"queries {small_queries} and {large_queries}, bytes {small_bytes:,} and {large_bytes:,}"
    )
    assert large_queries == small_queries <= MAX_QUERIES, sizes
    lists = large.count('<nav class="pagination"')
    assert lists == (3 if anonymous_and_closed else 2)
    assert small.count('<nav class="pagination"') == 0
    assert large_bytes <= small_bytes + lists * GROWTH_PER_LIST, sizes
    # The large page shows the same number of things, with links to the rest.
    assert large.count('class="card"') == small.count('class="card"')
    assert 'aria-label="Pages of comments"' in large
    assert "Showing comments 1 to 10 of 1,000." in large
    if anonymous_and_closed:
        assert 'aria-label="Pages of reasons"' in large
        assert 'aria-label="Pages of votes"' in large
    else:
        assert "Showing votes 1 to 10 of 1,000." in large
    if viewer == "facilitator" and not anonymous_and_closed:
        # Ten members (and two more of the world) are more than are listed
        # without searching: both pages ask for a name.
        assert 'name="behalf-member"' not in large
        assert '<label class="label" for="id_find">Find the member</label>' in large
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(url)


def test_a_later_page_of_comments_and_votes_and_posting_lands_on_the_new_comment(
    client, world, settings
):
    settings.COPRODUCE_PAGE_SIZE = 10
    decision = make_decision(world)
    _fill(world, decision, members=25, votes=25, comments=25)
    client.force_login(world.participant.user)
    page = client.get(decision.get_absolute_url(), {"comments_page": 3, "votes_page": 2})
    html = page.content.decode()
    assert "Showing comments 21 to 25 of 25." in html
    assert "Comment number 24:" in html
    assert "Comment number 0:" not in html
    assert "Showing votes 11 to 20 of 25." in html
    # The links keep the other list's page, and land on their list.
    assert 'href="?votes_page=2&amp;comments_page=2#discussion"' in html
    assert 'href="?comments_page=3&amp;votes_page=3#voters"' in html
    # Posting without JavaScript goes to the page with the new comment.
    post_url = reverse(
        "decisions:comment_post",
        kwargs={"slug": world.project.slug, "public_id": decision.public_id},
    )
    response = client.post(post_url, {"comment-body": "The newest one"})
    comment = Comment.objects.get(body="The newest one")
    assert response["Location"] == (
        f"{decision.get_absolute_url()}?comments_page=3#comment-{comment.pk}"
    )
    assert "The newest one" in client.get(response["Location"]).content.decode()
    # With htmx, the thread that comes back is that page, with the comment.
    response = client.post(
        post_url, {"comment-body": "Newer still"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Newer still" in html
    assert "Showing comments 21 to 27 of 27." in html
    assert '<p role="status"><strong>Your comment is posted.</strong></p>' in html


# --- the search step of recording a vote ------------------------------------------


def _record_url(decision):
    return reverse(
        "decisions:record_vote",
        kwargs={"slug": decision.project.slug, "public_id": decision.public_id},
    )


@pytest.fixture
def crowded(world, decision):
    """Thirty members more than can be listed without a search, one who left
    and someone of another project with a similar name."""
    bulk_members(world.project, 30, prefix="Robin")
    (gone,) = bulk_members(world.project, 1, prefix="Patricia Gone")
    gone.left_at = gone.joined_at
    gone.save()
    (elsewhere,) = bulk_members(ProjectFactory(), 1, prefix="Patrick Elsewhere")
    return {"gone": gone, "elsewhere": elsewhere}


def test_a_few_members_are_listed_without_a_search(client, world, decision):
    client.force_login(world.facilitator.user)
    html = client.get(decision.get_absolute_url()).content.decode()
    assert 'name="find"' not in html
    assert f'name="behalf-member" value="{world.participant.pk}"' in html
    assert f'name="behalf-member" value="{world.professional.pk}"' in html


def test_the_facilitator_finds_the_member_by_part_of_their_name(client, world, decision, crowded):
    client.force_login(world.facilitator.user)
    html = client.get(decision.get_absolute_url()).content.decode()
    assert '<label class="label" for="id_find">Find the member</label>' in html
    assert "Type their name, or part of it." in html
    assert 'action="' + decision.get_absolute_url() + '#record-vote"' in html
    assert 'name="behalf-member"' not in html
    html = client.get(decision.get_absolute_url(), {"find": " pat "}).content.decode()
    assert "<title>Open the day centre until 6pm - Coproduce</title>" in html
    assert "1 member with “pat” in their name." in html
    assert 'value="pat"' in html  # what they typed, kept in the box
    assert f'name="behalf-member" value="{world.participant.pk}"' in html
    assert ">Pat Paterson</label>" in html
    assert "Patricia Gone" not in html
    assert "Patrick Elsewhere" not in html
    assert '<input type="hidden" name="find" value="pat">' in html


def test_a_search_that_finds_many_shows_twenty_and_asks_for_more_of_the_name(
    client, world, decision, crowded
):
    client.force_login(world.facilitator.user)
    html = client.get(decision.get_absolute_url(), {"find": "robin"}).content.decode()
    assert html.count('name="behalf-member"') == 20
    assert "More than 20 members have “robin” in their name." in html
    assert "type more of their name" in html


def test_a_search_that_finds_nobody_says_so_and_keeps_the_words(client, world, decision, crowded):
    client.force_login(world.facilitator.user)
    html = client.get(decision.get_absolute_url(), {"find": "<b>Zed</b>"}).content.decode()
    assert "No member has “&lt;b&gt;Zed&lt;/b&gt;” in their name." in html
    assert 'value="&lt;b&gt;Zed&lt;/b&gt;"' in html
    assert "<b>Zed</b>" not in html
    assert 'name="behalf-member"' not in html
    assert "There is a problem" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("  ", "Enter the member&#x27;s name, or part of it"),
        ("x" * 101, "The name must be 100 characters or fewer"),
    ],
)
def test_a_blank_or_too_long_search_gets_the_error_summary(
    client, world, decision, crowded, typed, message
):
    client.force_login(world.facilitator.user)
    html = client.get(decision.get_absolute_url(), {"find": typed}).content.decode()
    assert "<title>Error: Open the day centre until 6pm - Coproduce</title>" in html
    assert f'<a href="#id_find">{message}</a>' in html
    if typed.strip():
        assert f'value="{typed}"' in html


def test_the_vote_of_the_member_found_is_recorded_as_before(client, world, decision, crowded):
    client.force_login(world.facilitator.user)
    response = client.post(
        _record_url(decision),
        {
            "find": "pat",
            "behalf-member": world.participant.pk,
            "behalf-choice": "agree",
            "behalf-channel": "meeting",
            "behalf-reason": "Said yes at the meeting",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    vote = Vote.objects.get()
    assert (vote.member, vote.recorded_by, vote.channel, vote.reason) == (
        world.participant,
        world.facilitator.user,
        "meeting",
        "Said yes at the meeting",
    )
    assert (
        "The vote of Pat Paterson is recorded." in client.get(response["Location"]).content.decode()
    )


def test_a_record_form_with_errors_keeps_the_search_and_the_member_chosen(
    client, world, decision, crowded
):
    client.force_login(world.facilitator.user)
    response = client.post(
        _record_url(decision),
        {"find": "pat", "behalf-member": world.participant.pk, "behalf-reason": "My words"},
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert '<a href="#id_behalf-choice_0">' in html
    assert (
        f'name="behalf-member" value="{world.participant.pk}" id="id_behalf-member_0" checked>'
    ) in html
    assert "My words</textarea>" in html
    assert 'value="pat"' in html
    assert not Vote.objects.exists()


@pytest.mark.parametrize("who", ["gone", "elsewhere", "self", "nonsense"])
def test_a_forged_member_gets_a_plain_error_and_records_nothing(
    client, world, decision, crowded, who
):
    member = {
        "gone": crowded["gone"].pk,
        "elsewhere": crowded["elsewhere"].pk,
        "self": world.facilitator.pk,
        "nonsense": "not-a-number",
    }[who]
    client.force_login(world.facilitator.user)
    response = client.post(
        _record_url(decision),
        {
            "find": "pat",
            "behalf-member": member,
            "behalf-choice": "agree",
            "behalf-channel": "phone",
            "behalf-reason": "Kept words",
        },
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert '<a href="#id_behalf-member_0">Choose the member whose vote this is</a>' in html
    assert "Kept words</textarea>" in html
    assert not Vote.objects.exists()


@pytest.mark.parametrize("role", ["participant", "professional"])
def test_only_facilitators_see_the_search(client, world, decision, crowded, role):
    client.force_login(getattr(world, role).user)
    html = client.get(decision.get_absolute_url(), {"find": "pat"}).content.decode()
    assert 'id="record-vote"' not in html
    assert 'name="behalf-member"' not in html


# --- in a real browser -------------------------------------------------------------

# The browser fixtures of tests/browser (as tests/decisions/test_browser.py).
browser_type_launch_args = browser_conftest.browser_type_launch_args
base_url = browser_conftest.base_url
demo = browser_conftest.demo
sign_in = browser_conftest.sign_in


@pytest.mark.browser
@pytest.mark.parametrize("java_script", [True, False], ids=["javascript", "no-javascript"])
def test_finding_a_member_and_the_pages_of_a_long_discussion_pass_axe(
    demo, sign_in, new_context, settings, java_script
):
    """States the link crawl does not reach in the demo (it has few members
    and comments): the search step, its errors and results, recording the
    vote of the member found, and a later page of comments; each checked
    with axe-core, and the same steps with JavaScript off."""
    settings.COPRODUCE_PAGE_SIZE = 5
    decision = Decision.objects.get(title="Open the day centre until 6pm")
    robins = bulk_members(decision.project, 30, prefix="Robin")
    Comment.objects.bulk_create(
        Comment(decision=decision, author=robins[index], body=f"Comment number {index}")
        for index in range(12)
    )
    context = new_context(java_script_enabled=java_script)
    sign_in(context, "facilitator")
    page = context.new_page()
    violations = []

    def check(page, label):
        # axe-core runs in the page: with JavaScript on only.
        return problems(page, label) if java_script else []

    page.goto(decision.get_absolute_url())
    section = page.locator("#record-vote")
    expect(section.get_by_label("Find the member")).to_be_visible()
    violations += check(page, "record a vote: find the member")

    section.get_by_role("button", name="Search").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter the member's name")
    violations += check(page, "record a vote: a blank search")

    section.get_by_label("Find the member").fill("robin")
    section.get_by_role("button", name="Search").click()
    expect(section).to_contain_text("More than 20 members have “robin” in their name.")
    violations += check(page, "record a vote: many found")

    section.get_by_label("Find the member").fill("Robin 7")
    section.get_by_role("button", name="Search").click()
    expect(section).to_contain_text("1 member with “Robin 7” in their name.")
    section.get_by_label("Robin 7").check()
    section.get_by_role("button", name="Record the vote").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose how the member gave their vote")
    expect(section.get_by_label("Robin 7")).to_be_checked()
    violations += check(page, "record a vote: sent with errors")

    section.get_by_label("By phone").check()
    section.get_by_label("Agree", exact=True).check()
    section.get_by_role("button", name="Record the vote").click()
    expect(page.get_by_text("The vote of Robin 7 is recorded.")).to_be_visible()
    assert Vote.objects.get(member=robins[7]).recorded_by.email == "sam@example.org"

    page.get_by_role("navigation", name="Pages of comments").get_by_role(
        "link", name="Next page"
    ).click()
    assert page.url.endswith("comments_page=2#discussion")
    expect(page.locator("#discussion")).to_contain_text("Showing comments 6 to 10 of")
    violations += check(page, "the second page of comments")
    assert not violations, "\n\n".join(violations)
