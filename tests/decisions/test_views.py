"""The decision pages for every role, their forms with good and bad input,
the htmx discussion, the CSV export and the query counts."""

import csv
import io
from datetime import date, datetime, timedelta
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from coproduce.words import date_and_time_in
from decisions import services
from decisions.models import Comment, Decision, Outcome, Vote
from projects.permissions import SYSTEM
from tests.decisions.support import ROLES, make_decision, sign_in
from tests.factories import CommentFactory, MembershipFactory, StageFactory, VoteFactory


def _url(name, decision, **kwargs):
    return reverse(
        f"decisions:{name}",
        kwargs={"slug": decision.project.slug, "public_id": decision.public_id, **kwargs},
    )


def _log_url(world, name="log"):
    return reverse(f"decisions:{name}", kwargs={"slug": world.project.slug})


def _html(response):
    return response.content.decode()


def _assert_login_redirect(response):
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


OK, FOUND, FORBIDDEN, NOT_FOUND = (
    HTTPStatus.OK,
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
)


def _expected(row):
    return dict(zip(ROLES, row, strict=True))


# signed out, outsider, participant, professional, facilitator, manager, staff
READ = _expected([FOUND, NOT_FOUND, OK, OK, OK, OK, NOT_FOUND])
PROPOSE = _expected([FOUND, NOT_FOUND, OK, OK, OK, FORBIDDEN, NOT_FOUND])
EDIT = _expected([FOUND, NOT_FOUND, OK, FORBIDDEN, OK, OK, NOT_FOUND])
MEMBERS_WRITE = _expected([FOUND, NOT_FOUND, FOUND, FOUND, FOUND, FORBIDDEN, NOT_FOUND])
FACILITATE = _expected([FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FOUND, FOUND, NOT_FOUND])
FACILITATE_PAGE = _expected([FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, OK, NOT_FOUND])
AUTHOR_PAGE = _expected([FOUND, NOT_FOUND, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND])
OUTCOME = _expected([FOUND, NOT_FOUND, FOUND, FORBIDDEN, FOUND, FOUND, NOT_FOUND])


def _case_log(client, world, decision):
    return client.get(_log_url(world)), READ


def _case_export(client, world, decision):
    return client.get(_log_url(world, "export")), READ


def _case_detail(client, world, decision):
    return client.get(decision.get_absolute_url()), READ


def _case_propose(client, world, decision):
    return client.get(_log_url(world, "propose")), PROPOSE


def _case_edit(client, world, decision):
    return client.get(_url("edit", decision)), EDIT


def _case_vote(client, world, decision):
    return client.post(_url("vote", decision), {"vote-choice": "agree"}), MEMBERS_WRITE


def _case_record_vote(client, world, decision):
    response = client.post(
        _url("record_vote", decision),
        {
            "behalf-member": world.participant.pk,
            "behalf-choice": "agree",
            "behalf-channel": "phone",
        },
    )
    if response.status_code == OK:  # a facilitator cannot record their own vote this way
        pytest.fail(_html(response))
    return response, FACILITATE


def _case_comment(client, world, decision):
    return client.post(_url("comment_post", decision), {"comment-body": "Hello"}), MEMBERS_WRITE


def _case_comment_edit(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    return client.get(_url("comment_edit", decision, comment_id=comment.pk)), AUTHOR_PAGE


def _case_comment_hide(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    return client.get(_url("comment_hide", decision, comment_id=comment.pk)), FACILITATE_PAGE


def _case_close_early(client, world, decision):
    return client.post(_url("close_early", decision), {"close-reason": "Agreed"}), FACILITATE


def _case_outcome(client, world, decision):
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    return client.post(
        _url("outcome", decision),
        {"outcome-statement": "We open later", "outcome-who": "Sam"},
    ), OUTCOME


CASES = [
    _case_log,
    _case_export,
    _case_detail,
    _case_propose,
    _case_edit,
    _case_vote,
    _case_record_vote,
    _case_comment,
    _case_comment_edit,
    _case_comment_hide,
    _case_close_early,
    _case_outcome,
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.removeprefix("_case_"))
def test_every_view_for_every_role(client, world, decision, case, role):
    user = sign_in(client, world, role)
    if role == "facilitator" and case is _case_record_vote:
        pass  # the facilitator records the participant's vote
    response, expected = case(client, world, decision)
    if user is None:
        _assert_login_redirect(response)
    else:
        assert response.status_code == expected[role], _html(response)[:2000]


@pytest.mark.parametrize("role", ["outsider", "participant", "manager"])
def test_decisions_of_another_project_are_not_found(client, world, role):
    other = make_decision(world)
    other_project_decision = VoteFactory().decision
    sign_in(client, world, role)
    url = reverse(
        "decisions:detail",
        kwargs={"slug": world.project.slug, "public_id": other_project_decision.public_id},
    )
    assert client.get(url).status_code == NOT_FOUND
    assert client.get(other.get_absolute_url()).status_code == (
        NOT_FOUND if role == "outsider" else OK
    )


def test_a_refused_vote_from_a_manager_says_why_and_changes_nothing(client, world, decision):
    client.force_login(world.manager)
    response = client.post(_url("vote", decision), {"vote-choice": "agree"})
    assert response.status_code == FORBIDDEN
    assert "Only members of this project can vote. You are not a member." in _html(response)
    assert not Vote.objects.exists()


# --- proposing ------------------------------------------------------------------


def _proposal(**overrides):
    data = {
        "title": "Choose the drop-in time",
        "description": "Which time is best?",
        "easy_words": "",
        "kind": "choice",
        "option_1": "Monday 2pm",
        "option_2": "Wednesday 10am",
        "closes_on_day": "3",
        "closes_on_month": "3",
        "closes_on_year": "2027",
        "closes_time": "5:30pm",
        "quorum_percent": "60",
        "pass_rule": "more_agree_no_block",
        "anonymity": "anonymous",
    }
    data.update(overrides)
    return data


@time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("UTC")), tick=False)
def test_proposing_a_choice_in_the_projects_timezone(client, world):
    world.project.timezone = "America/New_York"
    world.project.save()
    client.force_login(world.professional.user)
    form_page = _html(client.get(_log_url(world, "propose"), {"kind": "choice"}))
    assert "For example, 5pm or 17:30, in New York time." in form_page
    response = client.post(_log_url(world, "propose"), _proposal())
    decision = Decision.objects.get()
    assert response.status_code == FOUND
    assert response["Location"] == decision.get_absolute_url()
    assert decision.closes_at == datetime(2027, 3, 3, 22, 30, tzinfo=ZoneInfo("UTC"))
    assert decision.is_anonymous
    assert decision.quorum_percent == 60
    assert decision.proposer == world.professional
    assert [option.text for option in decision.options.all()] == ["Monday 2pm", "Wednesday 10am"]
    page = _html(client.get(decision.get_absolute_url()))
    assert "Voting closes on Wednesday 3 March 2027 at 5:30pm." in page
    assert "Your decision is proposed." in page


@time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")), tick=False)
@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"title": ""}, "id_title", "Enter a title"),
        ({"option_2": ""}, "id_option_1", "Write at least 2 options"),
        ({"option_2": "monday 2PM"}, "id_option_1", "Each option must be different"),
        (
            {"closes_on_day": "", "closes_on_month": "", "closes_on_year": ""},
            "id_closes_on_0",
            "Enter the closing date",
        ),
        ({"closes_on_month": ""}, "id_closes_on_0", "Enter the closing date in full"),
        (
            {"closes_on_day": "31", "closes_on_month": "2"},
            "id_closes_on_0",
            "The closing date must be a real date",
        ),
        ({"closes_time": "25:00"}, "id_closes_time", "Enter a real time, for example 5pm or 17:30"),
        (
            {"closes_on_day": "1", "closes_time": "9:30am"},
            "id_closes_on_0",
            "The closing time must be at least one hour",
        ),
        ({"quorum_percent": "150"}, "id_quorum_percent", "The quorum must be a whole number"),
        ({"anonymity": "maybe"}, "id_anonymity_0", "Choose whether votes show names"),
    ],
)
def test_bad_proposals_get_the_error_summary_and_keep_the_input(
    client, world, overrides, field_id, message
):
    client.force_login(world.participant.user)
    data = _proposal(**overrides)
    response = client.post(_log_url(world, "propose"), data)
    assert response.status_code == OK
    page = _html(response)
    assert f"<title>Error: Propose a decision in {world.project.name} - Coproduce</title>" in page
    assert 'class="error-summary"' in page
    assert f'<a href="#{field_id}">{message}' in page
    assert 'value="Wednesday 10am"' in page or data["option_2"] != "Wednesday 10am"
    assert 'name="description" cols="40" rows="6"' in page
    assert "Which time is best?</textarea>" in page
    assert not Decision.objects.exists()


def test_a_consent_proposal_ignores_the_option_boxes(client, world):
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC")), tick=False):
        client.force_login(world.participant.user)
        response = client.post(_log_url(world, "propose"), _proposal(kind="consent"))
    assert response.status_code == FOUND
    decision = Decision.objects.get()
    assert (decision.kind, decision.options.count()) == ("consent", 0)


def test_no_current_stage_means_no_proposals(client, world):
    world.stage.ended_at = timezone.now()
    world.stage.save()
    client.force_login(world.participant.user)
    page = _html(client.get(_log_url(world, "propose")))
    assert "This project has no current stage" in page
    assert '<form method="post"' not in page


# --- editing --------------------------------------------------------------------


def test_editing_after_a_vote_shows_the_history(client, world, decision):
    VoteFactory(decision=decision, member=world.professional)
    client.force_login(world.participant.user)
    page = _html(client.get(_url("edit", decision)))
    assert "Someone has already voted" in page
    assert 'name="anonymity"' not in page
    response = client.post(
        _url("edit", decision),
        {"title": "Open until 7pm", "description": "Later still.", "easy_words": ""},
    )
    assert response.status_code == FOUND
    page = _html(client.get(decision.get_absolute_url()))
    assert "<h1>Open until 7pm</h1>" in page
    assert "Changes to the words" in page
    assert "Open the day centre until 6pm" in page  # the old title, in the history


def test_bad_edits_keep_the_input(client, world, decision):
    client.force_login(world.participant.user)
    response = client.post(
        _url("edit", decision), {"title": "", "description": "New words", "anonymity": "named"}
    )
    page = _html(response)
    assert f"<title>Error: Change the decision “{decision.title}” - Coproduce</title>" in page
    assert '<a href="#id_title">Enter a title</a>' in page
    assert "New words</textarea>" in page


# --- voting ---------------------------------------------------------------------


def test_voting_and_changing_the_vote(client, world, decision):
    client.force_login(world.professional.user)
    response = client.post(_url("vote", decision), {"vote-choice": "agree"})
    assert response.status_code == FOUND
    page = _html(client.get(decision.get_absolute_url()))
    assert "Your vote is saved." in page
    assert "Your vote now: <strong>Agree</strong>" in page
    assert 'value="agree" id="id_vote-choice_0" checked' in page
    assert "Change my vote" in page
    client.post(
        _url("vote", decision),
        {
            "vote-choice": "block",
            "vote-reason": "Not safe for staff",
            "vote-assisted": "on",
            "vote-supporter": "Joan",
        },
    )
    vote = Vote.objects.get()
    assert (vote.choice, vote.reason, vote.assisted, vote.supporter) == (
        "block",
        "Not safe for staff",
        True,
        "Joan",
    )


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({}, "id_vote-choice_0", "Choose your vote"),
        ({"vote-choice": "maybe"}, "id_vote-choice_0", "Choose your vote"),
        ({"vote-choice": "block"}, "id_vote-reason", "Explain why you block"),
        (
            {"vote-choice": "agree", "vote-assisted": "on"},
            "id_vote-supporter",
            "Enter the name of the person who helped",
        ),
    ],
)
def test_bad_votes_get_the_error_summary_and_keep_the_input(
    client, world, decision, data, field_id, message
):
    client.force_login(world.participant.user)
    data = {"vote-reason": "My words", **data}
    if data.get("vote-choice") == "block":
        data["vote-reason"] = ""
    response = client.post(_url("vote", decision), data)
    assert response.status_code == OK
    page = _html(response)
    assert f"<title>Error: {decision.title} - Coproduce</title>" in page
    assert f'<a href="#{field_id}">{message}' in page
    if data["vote-reason"]:
        assert "My words</textarea>" in page
    assert not Vote.objects.exists()


def test_an_option_of_another_decision_is_refused(client, world, choice_decision):
    other = make_decision(world, options=["Elsewhere", "Nowhere"])
    forged = f"option-{other.options.first().pk}"
    client.force_login(world.participant.user)
    response = client.post(_url("vote", choice_decision), {"vote-choice": forged})
    assert '<a href="#id_vote-choice_0">Choose your vote</a>' in _html(response)
    assert not Vote.objects.exists()


def test_a_vote_after_closing_is_refused_with_a_clear_message(client, world, decision):
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))  # the form, before it closes
    assert "Send my vote" in page
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    response = client.post(_url("vote", decision), {"vote-choice": "agree"})
    page = _html(response)
    assert "There is a problem" in page
    assert "so votes can no longer be cast or changed" in page
    assert not Vote.objects.exists()


def test_a_recorded_vote_is_shown_to_the_member_who_can_change_it(client, world, decision):
    client.force_login(world.facilitator.user)
    response = client.post(
        _url("record_vote", decision),
        {
            "behalf-member": world.participant.pk,
            "behalf-choice": "agree",
            "behalf-channel": "paper",
            "behalf-reason": "Said yes at the meeting",
        },
    )
    assert response.status_code == FOUND
    assert "The vote of Pat Paterson is recorded." in _html(client.get(response["Location"]))
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "<strong>Sam Okafor recorded your vote on paper</strong>" in page
    assert 'href="#vote">change your vote</a>' in page
    client.post(_url("vote", decision), {"vote-choice": "disagree"})
    page = _html(client.get(decision.get_absolute_url()))
    assert "recorded your vote" not in page
    assert Vote.objects.get().recorded_by is None


def test_bad_recorded_votes_keep_the_input(client, world, decision):
    client.force_login(world.facilitator.user)
    response = client.post(
        _url("record_vote", decision),
        {"behalf-choice": "agree", "behalf-reason": "In the meeting"},
    )
    page = _html(response)
    assert '<a href="#id_behalf-member_0">Choose the member whose vote this is</a>' in page
    assert '<a href="#id_behalf-channel_0">Choose how the member gave their vote</a>' in page
    assert "In the meeting</textarea>" in page
    assert not Vote.objects.exists()


def test_the_facilitator_cannot_record_their_own_vote_on_behalf(client, world, decision):
    client.force_login(world.facilitator.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert f'name="behalf-member" value="{world.facilitator.pk}"' not in page
    assert (f'name="behalf-member" value="{world.participant.pk}" id="id_behalf-member_0">') in page
    assert '<label class="radios__label" for="id_behalf-member_0">Pat Paterson</label>' in page


def test_who_has_voted_and_how_many_have_not(client, world, decision):
    VoteFactory(decision=decision, member=world.professional, choice="agree", reason="Good")
    VoteFactory(
        decision=decision,
        member=world.participant,
        choice="abstain",
        recorded_by=world.facilitator.user,
        channel="phone",
    )
    client.force_login(world.facilitator.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert (
        "2 of 3 members have voted: 1 of 1 participants and 1 of 2 professionals. "
        "1 has not voted yet."
    ) in page
    assert "<li>Priya Shah (professional): <strong>Agree</strong>. Reason:" in page
    recorded_at = Vote.objects.get(member=world.participant).updated_at
    recorded_on = date_and_time_in(recorded_at, "Europe/London")
    assert (
        "Pat Paterson (participant): <strong>I do not want to choose (abstain)</strong> "
        f"(recorded by Sam Okafor, by phone, on {recorded_on})" in page
    )


# --- discussion -----------------------------------------------------------------


def test_posting_a_comment_without_javascript(client, world, decision):
    client.force_login(world.professional.user)
    response = client.post(_url("comment_post", decision), {"comment-body": "Good <b>idea</b>"})
    comment = Comment.objects.get()
    assert response["Location"] == f"{decision.get_absolute_url()}#comment-{comment.pk}"
    page = _html(client.get(response["Location"]))
    assert "Your comment is posted." in page
    assert "Good &lt;b&gt;idea&lt;/b&gt;" in page


def test_posting_a_comment_with_htmx_returns_the_thread_only(client, world, decision):
    client.force_login(world.professional.user)
    response = client.post(
        _url("comment_post", decision),
        {"comment-body": "Yes please"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == OK
    page = _html(response)
    assert page.startswith(f"<title>{decision.title} - Coproduce</title>")
    assert '<section id="discussion"' in page
    assert "<html" not in page
    assert "Yes please" in page
    assert '<p role="status"><strong>Your comment is posted.</strong></p>' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert Comment.objects.count() == 1


def test_a_blank_comment_with_htmx_shows_the_error_in_the_thread(client, world, decision):
    client.force_login(world.professional.user)
    response = client.post(
        _url("comment_post", decision), {"comment-body": "  "}, headers={"HX-Request": "true"}
    )
    page = _html(response)
    assert response.status_code == OK
    assert page.startswith(f"<title>Error: {decision.title} - Coproduce</title>")
    assert 'class="error-summary"' in page
    assert '<a href="#id_comment-body">Write your comment</a>' in page
    assert not Comment.objects.exists()


def test_a_blank_comment_without_javascript_shows_the_error_summary(client, world, decision):
    client.force_login(world.professional.user)
    page = _html(client.post(_url("comment_post", decision), {"comment-body": ""}))
    assert f"<title>Error: {decision.title} - Coproduce</title>" in page
    assert '<a href="#id_comment-body">Write your comment</a>' in page


def test_authors_edit_comments_for_fifteen_minutes(client, world, decision):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        comment = CommentFactory(decision=decision, author=world.participant, created_at=start)
    client.force_login(world.participant.user)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert "Change your comment" in _html(client.get(decision.get_absolute_url()))
        bad = client.post(_url("comment_edit", decision, comment_id=comment.pk), {"body": ""})
        assert '<a href="#id_body">Write your comment</a>' in _html(bad)
        client.post(_url("comment_edit", decision, comment_id=comment.pk), {"body": "Fixed"})
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        page = _html(client.get(decision.get_absolute_url()))
        assert "Fixed" in page
        assert "(edited)" in page
        assert "Change your comment" not in page
        response = client.get(_url("comment_edit", decision, comment_id=comment.pk))
        assert response.status_code == FOUND
        assert "15 minutes" in _html(client.get(response["Location"]))


def test_a_facilitator_hides_a_comment_and_the_thread_says_why(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant, body="Phone me on 0700")
    client.force_login(world.facilitator.user)
    page = _html(client.get(_url("comment_hide", decision, comment_id=comment.pk)))
    assert 'data-crawl="skip"' in page
    bad = client.post(_url("comment_hide", decision, comment_id=comment.pk), {"reason": ""})
    assert '<a href="#id_reason">Explain why you are hiding this comment</a>' in _html(bad)
    client.post(
        _url("comment_hide", decision, comment_id=comment.pk), {"reason": "It had a phone number"}
    )
    client.force_login(world.professional.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "This comment was hidden by a facilitator because:" in page
    assert "It had a phone number" in page
    assert "Phone me on 0700" not in page
    assert Comment.objects.get().body == "Phone me on 0700"


# --- closing, the result and the outcome ----------------------------------------


def test_closing_early_shows_the_result_with_bars_numbers_and_the_split(client, world, decision):
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    VoteFactory(decision=decision, member=world.professional, choice="disagree")
    VoteFactory(decision=decision, member=world.facilitator, choice="agree")
    client.force_login(world.facilitator.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert 'action="' + _url("close_early", decision) + '" novalidate data-crawl="skip"' in page
    bad = client.post(_url("close_early", decision), {"close-reason": " "})
    assert "Explain why you are closing the vote early" in _html(bad)
    assert Decision.objects.get().is_open
    response = client.post(_url("close_early", decision), {"close-reason": "We met today"})
    assert response.status_code == FOUND
    page = _html(client.get(decision.get_absolute_url()))
    assert "Closed: Passed" in page
    assert (
        "Passed: 2 agreed, 1 disagreed and 0 did not want to choose. "
        "Nobody said no and stopped it. 3 of 3 members voted." in page
    )
    assert "Sam Okafor closed the vote early." in page
    assert "We met today" in page
    assert '<label for="result-1">Agree: 2 votes (67%)</label>' in page
    assert '<meter id="result-1" min="0" max="3" value="2">2 of 3</meter>' in page
    assert (
        '<tr><th scope="row">Agree</th><td class="numeric">1</td><td class="numeric">1</td>'
        '<td class="numeric">2</td></tr>'
    ) in page
    assert "Send my vote" not in page


def test_the_proposer_is_prompted_for_the_outcome_until_it_exists(client, world, decision):
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "You proposed this decision. Please write the outcome" in page
    bad = client.post(
        _url("outcome", decision),
        {
            "outcome-who": "Sam",
            "outcome-by_when_day": "40",
            "outcome-by_when_month": "5",
            "outcome-by_when_year": "2027",
        },
    )
    page = _html(bad)
    assert '<a href="#id_outcome-statement">Say what will happen</a>' in page
    assert "must be a real date" in page
    assert 'value="Sam"' in page
    response = client.post(
        _url("outcome", decision),
        {
            "outcome-statement": "We open until 6pm from May.",
            "outcome-who": "Sam books the staff",
            "outcome-by_when_day": "1",
            "outcome-by_when_month": "5",
            "outcome-by_when_year": "2027",
            "outcome-easy_words": "We open later.",
        },
    )
    assert response.status_code == FOUND
    outcome = Outcome.objects.get()
    assert outcome.by_when == date(2027, 5, 1)
    page = _html(client.get(decision.get_absolute_url()))
    assert "You proposed this decision" not in page
    assert "We open until 6pm from May." in page
    assert "Saturday 1 May 2027" in page
    assert "Change the outcome" in page


def test_members_who_chose_easy_words_see_them_first(client, world, decision):
    decision.easy_words = "We stay open later."
    decision.save()
    user = world.professional.user
    client.force_login(user)
    page = _html(client.get(decision.get_absolute_url()))
    assert page.index("The proposal</h2>") < page.index("We stay open later.")
    user.reminder_format = "easy_words"
    user.save()
    page = _html(client.get(decision.get_absolute_url()))
    assert page.index("We stay open later.") < page.index("The proposal</h2>")


# --- the decision log and its export --------------------------------------------


def test_the_log_filters_by_stage_and_result(client, world, decision):
    earlier = StageFactory(project=world.project, position=0, name="Getting started")
    old = make_decision(world, stage=earlier, title="Meet on Tuesdays")
    VoteFactory(decision=old, member=world.participant, choice="agree")
    VoteFactory(decision=old, member=world.professional, choice="agree")
    services.decision_close(decision_id=old.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)
    page = _html(client.get(_log_url(world)))
    assert "All decisions: 2" in page
    page = _html(client.get(_log_url(world), {"stage": earlier.pk}))
    assert "Meet on Tuesdays" in page
    assert decision.title not in page
    page = _html(client.get(_log_url(world), {"result": "open"}))
    assert "Meet on Tuesdays" not in page
    assert decision.title in page
    page = _html(client.get(_log_url(world), {"result": "passed"}))
    assert "Decisions that match the filter: 1" in page
    assert "Meet on Tuesdays" in page
    assert 'export.csv?result=passed"' in page


def test_a_bad_filter_gets_the_error_summary_and_keeps_the_input(client, world, decision):
    client.force_login(world.participant.user)
    page = _html(client.get(_log_url(world), {"stage": "999999", "result": "passed"}))
    assert "<title>Error: Decisions in Riverside - Coproduce</title>" in page
    assert '<a href="#id_stage">Choose a stage from the list</a>' in page
    assert '<option value="passed" selected>' in page


@pytest.mark.parametrize("danger", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_the_csv_export_escapes_formulas(client, world, danger):
    make_decision(world, title=danger, description="x")
    client.force_login(world.participant.user)
    response = client.get(_log_url(world, "export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.getvalue().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[1][0] == "'" + danger


def test_the_csv_export_has_one_row_per_decision_with_tallies(client, world, decision):
    closed = make_decision(world, title="Pick a day", options=["Monday", "Friday"])
    friday = closed.options.last()
    VoteFactory(decision=closed, member=world.participant, choice="option", option=friday)
    VoteFactory(decision=closed, member=world.professional, choice="option", option=friday)
    services.decision_close(decision_id=closed.pk, notify=False, actor=SYSTEM)
    client.force_login(world.manager)
    rows = list(
        csv.DictReader(io.StringIO(client.get(_log_url(world, "export")).getvalue().decode()[1:]))
    )
    assert len(rows) == 2
    by_title = {row["Title"]: row for row in rows}
    row = by_title["Pick a day"]
    assert row["Result"] == "Option chosen"
    assert row["Members who voted"] == "2"
    assert row["Votes for each option"] == "Monday: 0; Friday: 2"
    assert (
        row["Votes of participants"] == "Monday: 0; Friday: 1; I do not want to choose (abstain): 0"
    )
    assert by_title[decision.title]["Status"] == "Open for votes"
    assert by_title[decision.title]["Members who voted"] == ""


def test_open_decisions_tag_lists_open_decisions_in_one_query(
    world, decision, django_assert_num_queries
):
    closed = make_decision(world, title="Already decided")
    services.decision_close(decision_id=closed.pk, notify=False, actor=SYSTEM)
    template = Template("{% load decision_tags %}{% open_decisions project %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"project": world.project}))
    assert decision.title in html
    assert "Already decided" not in html
    assert "Voting closes on" in html


# --- query counts ---------------------------------------------------------------


def _fill_decision(world, decision, count):
    members = [MembershipFactory(project=world.project) for _ in range(count)]
    for index, member in enumerate(members):
        VoteFactory(
            decision=decision,
            member=member,
            choice="agree",
            recorded_by=world.facilitator.user if index % 2 else None,
        )
        CommentFactory(decision=decision, author=member)


@pytest.mark.parametrize("size", [5, 100])
@pytest.mark.parametrize("closed", [False, True])
def test_the_decision_page_query_count_does_not_grow(
    client, world, decision, size, closed, django_assert_max_num_queries
):
    _fill_decision(world, decision, size)
    VoteFactory(decision=decision, member=world.facilitator)
    decision.revisions.create(title="Old", description="Old words")
    if closed:
        services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.facilitator.user)
    with django_assert_max_num_queries(15):  # tests/decisions/test_decision_page_size.py
        response = client.get(decision.get_absolute_url())
    assert response.status_code == OK


@pytest.mark.parametrize("size", [5, 100])
def test_the_decision_log_query_count_does_not_grow(
    client, world, size, django_assert_max_num_queries
):
    for index in range(size):
        decision = make_decision(world, title=f"Decision {index}")
        if index % 2:
            services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
            Outcome.objects.create(decision=decision, statement="Done", who="Sam")
    client.force_login(world.participant.user)
    # Session, user, project, membership, manager check, stages (the filter),
    # the count, the page's ids and their rows.
    with django_assert_max_num_queries(9):
        response = client.get(_log_url(world))
    assert response.status_code == OK
    with django_assert_max_num_queries(7):
        response = client.get(_log_url(world, "export"))
        body = response.getvalue()
    assert len(body.decode().splitlines()) == size + 1


# --- audit: what people see after the first round --------------------------------


def test_a_member_hears_when_the_words_change_after_they_voted(client, world, decision):
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        services.vote_cast(member=world.professional, decision=decision, choice="agree")
    client.force_login(world.professional.user)
    assert "changed after you voted" not in _html(client.get(decision.get_absolute_url()))
    services.decision_edit(
        decision=decision,
        actor=world.participant.user,
        title="Open the day centre until 7pm",
        description="Later still.",
    )
    page = _html(client.get(decision.get_absolute_url()))
    assert "The words of this decision changed after you voted." in page
    assert 'href="#history">the words before the change</a>' in page
    client.post(_url("vote", decision), {"vote-choice": "agree"})  # voted again since
    assert "changed after you voted" not in _html(client.get(decision.get_absolute_url()))


def test_a_facilitator_recording_over_a_members_own_vote_is_told_why(client, world, decision):
    services.vote_cast(member=world.participant, decision=decision, choice="agree")
    client.force_login(world.facilitator.user)
    response = client.post(
        _url("record_vote", decision),
        {
            "behalf-member": world.participant.pk,
            "behalf-choice": "disagree",
            "behalf-channel": "phone",
        },
    )
    page = _html(response)
    assert response.status_code == OK
    assert '<a href="#id_behalf-member_0">Pat Paterson has voted online, so only they can' in page
    assert "Pat Paterson (has voted online)</label>" in page
    assert f'name="behalf-member" value="{world.professional.pk}"' in page
    assert 'for="id_behalf-member_1">Priya Shah</label>' in page
    assert Vote.objects.get().choice == "agree"


def test_closing_early_twice_says_it_is_already_closed(client, world, decision):
    client.force_login(world.facilitator.user)
    client.post(_url("close_early", decision), {"close-reason": "We met"})
    response = client.post(_url("close_early", decision), {"close-reason": "We met"})
    assert response.status_code == FOUND
    page = _html(client.get(response["Location"]))
    assert "This vote is already closed." in page
    assert "There is a problem" not in page


def test_changing_a_closed_decision_says_it_has_closed(client, world, decision):
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)  # the proposer
    response = client.get(_url("edit", decision))
    assert response.status_code == FOUND
    assert "This decision has closed, so its words cannot change." in _html(
        client.get(response["Location"])
    )
    client.force_login(world.professional.user)
    assert client.get(_url("edit", decision)).status_code == FORBIDDEN


def test_a_closed_decision_counts_who_could_vote_when_it_closed(client, world, decision):
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    VoteFactory(decision=decision, member=world.professional, choice="agree")
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    MembershipFactory(project=world.project)  # joined after it closed
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "Who voted</h2>" in page
    assert (
        "2 of 3 members voted: 1 of 1 participants and 1 of 2 professionals. 1 did not vote."
    ) in page
    assert "Your vote was: <strong>Agree</strong>." in page
    assert page.index("Your vote was") < page.index('id="outcome"')


def test_the_result_says_what_each_group_chose(client, world, decision):
    VoteFactory(decision=decision, member=world.participant, choice="agree")
    VoteFactory(decision=decision, member=world.professional, choice="disagree")
    VoteFactory(decision=decision, member=world.facilitator, choice="disagree")
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "<li>Participants: 1 of 1 voted. Their top answer was “Agree”, with 1 of 1.</li>" in page
    assert (
        "<li>Professionals: 2 of 2 voted. Their top answer was “Disagree”, with 2 of 2.</li>"
        in page
    )


def test_the_log_asks_who_can_write_the_outcome_to_write_it(client, world, decision):
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    written = make_decision(world, title="Meet on Tuesdays")
    services.decision_close(decision_id=written.pk, notify=False, actor=SYSTEM)
    Outcome.objects.create(decision=written, statement="We meet on Tuesdays", who="Sam")
    write_link = f'href="{decision.get_absolute_url()}#outcome">Write the outcome'
    for role, asked in [("participant", True), ("facilitator", True), ("professional", False)]:
        sign_in(client, world, role)
        page = _html(client.get(_log_url(world)))
        assert (write_link in page) is asked, role
    page = _html(client.get(_log_url(world), {"outcome": "missing"}))
    assert decision.title in page
    assert "Meet on Tuesdays" not in page
    page = _html(client.get(_log_url(world), {"outcome": "written"}))
    assert decision.title not in page
    assert "We meet on Tuesdays" in page


@pytest.mark.parametrize("field", ["description", "easy_words"])
def test_too_long_words_are_refused_and_kept(client, world, field):
    client.force_login(world.participant.user)
    words = "word " * 2_500
    response = client.post(_log_url(world, "propose"), _proposal(**{field: words}))
    page = _html(response)
    assert "Error: Propose a decision" in page
    assert "characters or fewer" in page
    assert words.strip() in page
    assert not Decision.objects.exists()


def test_the_project_home_says_whether_you_voted(world, decision, django_assert_num_queries):
    from projects.permissions import project_access

    VoteFactory(decision=decision, member=world.participant, choice="agree")
    unvoted = make_decision(world, title="Paint the garden room")
    template = Template("{% load decision_tags %}{% open_decisions project %}")

    def home_for(membership_or_user):
        access = project_access(membership_or_user, world.project)
        with django_assert_num_queries(1):
            return template.render(Context({"project": world.project, "access": access}))

    page = home_for(world.participant.user)
    assert "You have voted. You can change your vote until then." in page
    assert "<strong>You have not voted yet.</strong>" in page
    assert unvoted.title in page
    # Outcomes to write are asked for in "What you can do now" (test_next_steps.py).
    assert "Write the outcome" not in page


@pytest.mark.parametrize("size", [3, 60])
def test_voice_balance_counts_who_proposed_voted_and_commented(
    world, size, django_assert_num_queries
):
    for _ in range(size):
        MembershipFactory(project=world.project, label="professional")
    decision = make_decision(world, proposer=world.professional)
    VoteFactory(decision=decision, member=world.professional)
    VoteFactory(decision=decision, member=world.participant)
    CommentFactory(decision=decision, author=world.facilitator)
    template = Template("{% load decision_tags %}{% voice_balance project %}")
    with django_assert_num_queries(1):
        page = template.render(Context({"project": world.project}))
    professionals = size + 2
    assert (
        "<dt>Have proposed a decision</dt>"
        f"<dd>0 of 1 participants, 1 of {professionals} professionals</dd>"
    ) in page
    assert (
        f"<dt>Have voted</dt><dd>1 of 1 participants, 1 of {professionals} professionals</dd>"
        in (page)
    )
    assert "<li>No participants have proposed a decision yet.</li>" in page
    assert "<li>No participants have commented yet.</li>" in page


def test_only_facilitators_and_the_member_see_who_helped_them(client, world, decision):
    services.vote_cast(
        member=world.participant,
        decision=decision,
        choice="agree",
        assisted=True,
        supporter="Joan Price",
    )
    for role, sees_name in [("participant", True), ("facilitator", True), ("professional", False)]:
        sign_in(client, world, role)
        page = _html(client.get(decision.get_absolute_url()))
        assert ("(helped by Joan Price)" in page) is sees_name, role
        assert ("(helped by a supporter)" in page) is not sees_name, role


# --- every form sent by every role, wrong methods and forged ids --------------------


def _post_propose(client, world, decision):
    closes = timezone.now() + timedelta(days=7)
    data = _proposal(
        closes_on_day=closes.day, closes_on_month=closes.month, closes_on_year=closes.year
    )
    response = client.post(_log_url(world, "propose"), data)
    return response, _expected([FOUND, NOT_FOUND, FOUND, FOUND, FOUND, FORBIDDEN, NOT_FOUND])


def _post_edit(client, world, decision):
    response = client.post(
        _url("edit", decision), {"title": "New", "description": "Words", "anonymity": "named"}
    )
    return response, _expected([FOUND, NOT_FOUND, FOUND, FORBIDDEN, FOUND, FOUND, NOT_FOUND])


def _post_comment_edit(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    response = client.post(_url("comment_edit", decision, comment_id=comment.pk), {"body": "New"})
    return response, _expected(
        [FOUND, NOT_FOUND, FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND]
    )


def _post_comment_hide(client, world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    url = _url("comment_hide", decision, comment_id=comment.pk)
    return client.post(url, {"reason": "Rude"}), FACILITATE


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "case",
    [_post_propose, _post_edit, _post_comment_edit, _post_comment_hide],
    ids=lambda case: case.__name__.removeprefix("_"),
)
def test_every_form_sent_by_every_role(client, world, decision, case, role):
    user = sign_in(client, world, role)
    response, expected = case(client, world, decision)
    if user is None:
        _assert_login_redirect(response)
    else:
        assert response.status_code == expected[role], _html(response)[:2000]


def _every_url(world, decision):
    comment = CommentFactory(decision=decision, author=world.participant)
    urls = [_log_url(world), _log_url(world, "export"), _log_url(world, "propose")]
    for name in ("detail", "edit", "vote", "record_vote", "comment_post", "close_early", "outcome"):
        urls.append(_url(name, decision))
    for name in ("comment_edit", "comment_hide"):
        urls.append(_url(name, decision, comment_id=comment.pk))
    return urls


def test_other_methods_are_refused_on_every_page(client, world, decision):
    client.force_login(world.facilitator.user)
    for url in _every_url(world, decision):
        for method in (client.put, client.delete, client.patch):
            assert method(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED, url


def test_form_pages_opened_with_get_go_back_to_the_decision(client, world, decision):
    client.force_login(world.facilitator.user)
    for name in ("vote", "record_vote", "comment_post", "close_early", "outcome"):
        response = client.get(_url(name, decision))
        assert (response.status_code, response["Location"]) == (
            FOUND,
            decision.get_absolute_url(),
        ), name


def test_forged_ids_from_another_decision_or_project_change_nothing(client, world, decision):
    other = make_decision(world, title="Another decision")
    elsewhere = CommentFactory(decision=other, author=world.participant)
    stranger = MembershipFactory()  # a member of another project
    client.force_login(world.facilitator.user)
    for name in ("comment_edit", "comment_hide"):
        url = _url(name, decision, comment_id=elsewhere.pk)
        assert client.post(url, {"reason": "x", "body": "x"}).status_code == NOT_FOUND
    response = client.post(
        _url("record_vote", decision),
        {"behalf-member": stranger.pk, "behalf-choice": "agree", "behalf-channel": "phone"},
    )
    assert '<a href="#id_behalf-member_0">Choose the member whose vote this is</a>' in _html(
        response
    )
    response = client.get(_log_url(world).replace(world.project.slug, stranger.project.slug))
    assert response.status_code == NOT_FOUND
    assert not Vote.objects.exists()
    assert not Comment.objects.filter(hidden_at__isnull=False).exists()


# Plain words first, the term after (issue 13) --------------------------------------

OLD_WORDS = ("Quorum", "Consent proposal", "consent proposal", ">Abstain", ">Block", "Housekeeping")


def test_the_propose_form_says_quorum_and_consent_in_plain_words(client, world):
    client.force_login(world.participant.user)
    page = _html(client.get(_log_url(world, "propose")))
    assert "A proposal to agree to or not (consent)" in page
    for old in OLD_WORDS:
        assert old not in page, old
    page = _html(client.get(_log_url(world, "propose"), {"kind": "consent"}))
    assert "How many must vote (quorum): the share of members who must vote" in page
    assert "How does a proposal to agree to or not (consent) pass?" in page
    assert "A proposal to agree to or not (consent)" in page
    assert "nobody says no and stops it (block)" in page
    for old in OLD_WORDS:
        assert old not in page, old


def test_the_vote_form_and_decision_page_put_plain_words_before_the_term(client, world, decision):
    client.force_login(world.participant.user)
    page = _html(client.get(decision.get_absolute_url()))
    assert "<dt>How many must vote (quorum)</dt>" in page
    assert "A proposal to agree to or not (consent). Stage:" in page
    assert "I do not want to choose (abstain): I will go along with what the others decide" in page
    assert "Say no and stop it (block): I have a serious objection and I will explain why" in page
    assert "You must give a reason if you say no and stop it (block)." in page
    for old in OLD_WORDS:
        assert old not in page, old

    client.post(
        _url("vote", decision),
        {"vote-choice": "block", "vote-reason": "The ramp is not safe"},
    )
    page = _html(client.get(decision.get_absolute_url()))
    assert "Your vote now: <strong>Say no and stop it (block)</strong>" in page


def test_the_members_page_says_what_facilitators_do_without_housekeeping(client, world):
    client.force_login(world.facilitator.user)
    page = _html(client.get(reverse("projects:members", args=[world.project.slug])))
    assert "look after the running of the project" in page
    assert '<th scope="col">Change facilitators</th>' in page
    assert "ousekeeping" not in page
