"""Proposing a decision in two steps: the kind first, then only the
questions that kind asks (without JavaScript), or that kind's questions
swapped in under the kinds (htmx). And what the decision page says when no
one has written the decision in easy words."""

import re
from datetime import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from decisions import services
from decisions.models import Decision
from projects.permissions import SYSTEM
from tests.decisions.support import ROLES, make_decision, sign_in

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
OK, FOUND, FORBIDDEN, NOT_FOUND = (
    HTTPStatus.OK,
    HTTPStatus.FOUND,
    HTTPStatus.FORBIDDEN,
    HTTPStatus.NOT_FOUND,
)
# What each kind asks, and what it must not: the option boxes of a choice,
# the rule by which a consent proposal passes.
OPTION_BOX = 'name="option_1"'
PASS_RULE = 'name="pass_rule"'
PASS_RULE_QUESTION = "How does a proposal to agree to or not (consent) pass?"
KIND_LABELS = {
    "consent": "A proposal to agree to or not (consent)",
    "choice": "Choose between options",
}


def _url(world):
    return reverse("decisions:propose", kwargs={"slug": world.project.slug})


def _html(response):
    return response.content.decode()


def _title(page):
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def _typed(**overrides):
    """Answers to the second step's questions, as a member types them."""
    data = {
        "title": "Open later",
        "description": "Open the day centre until 6pm.\nStaff agree.",
        "easy_words": "",
        "option_1": "Monday 2pm",
        "option_2": "Wednesday 10am",
        "closes_on_day": "3",
        "closes_on_month": "3",
        "closes_on_year": "2027",
        "closes_time": "5:30pm",
        "quorum_percent": "60",
        "pass_rule": "more_agree",
        "anonymity": "anonymous",
    }
    data.update(overrides)
    return data


# --- step 1: the kind -------------------------------------------------------------


def test_step_one_asks_only_the_kind_with_a_plain_line_about_each(client, world):
    sign_in(client, world, "participant")
    page = _html(client.get(_url(world)))
    assert (
        _title(page) == "What kind of decision is it? Propose a decision in Riverside - Coproduce"
    )
    assert '<legend class="fieldset__legend">What kind of decision is it?</legend>' in page
    for value, label in KIND_LABELS.items():
        assert f'<input type="radio" name="kind" value="{value}"' in page
        assert f">{label}</label>" in page
    # Each kind's hint is tied to its radio.
    assert 'id="id_kind_0" aria-describedby="id_kind_0_hint"' in page
    assert '<div class="hint checkboxes__hint" id="id_kind_0_hint">Members say if' in page
    assert 'id="id_kind_1_hint">You write 2 to 10 options.' in page
    assert '<button type="submit" class="button" name="step" value="questions">Continue' in page
    for question in (OPTION_BOX, PASS_RULE, 'name="title"', 'name="closes_time"'):
        assert question not in page, question
    assert "Propose the decision</button>" not in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("kind", "asks", "never_asks"),
    [
        ("choice", [OPTION_BOX, "The options to choose from"], [PASS_RULE, PASS_RULE_QUESTION]),
        ("consent", [PASS_RULE, PASS_RULE_QUESTION], [OPTION_BOX, "The options to choose from"]),
    ],
)
def test_continue_leads_to_only_that_kinds_questions(client, world, kind, asks, never_asks):
    sign_in(client, world, "participant")
    response = client.post(_url(world), {"kind": kind, "step": "questions"})
    # Nothing typed yet: the second step has an address of its own.
    assert response.status_code == FOUND
    assert response["Location"] == f"{_url(world)}?kind={kind}"
    page = _html(client.get(response["Location"]))
    assert _title(page) == "Propose a decision in Riverside - Coproduce"
    assert f"The kind of decision: <strong>{KIND_LABELS[kind]}</strong>." in page
    assert f'<input type="hidden" name="kind" value="{kind}">' in page
    assert 'name="step" value="kind">Change the kind</button>' in page
    assert '<input type="radio" name="kind"' not in page
    for question in ('name="title"', 'name="easy_words"', 'name="closes_time"', *asks):
        assert question in page, question
    for question in never_asks:
        assert question not in page, question


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("kind", ["consent", "choice"])
def test_the_second_step_proposes_the_decision_as_before(client, world, kind):
    sign_in(client, world, "professional")
    response = client.post(_url(world), {"kind": kind, **_typed()})
    decision = Decision.objects.get()
    assert response.status_code == FOUND
    assert response["Location"] == decision.get_absolute_url()
    assert (decision.kind, decision.proposer) == (kind, world.professional)
    assert decision.closes_at == datetime(2027, 3, 3, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert (decision.quorum_percent, decision.is_anonymous) == (60, True)
    options = [option.text for option in decision.options.order_by("position")]
    if kind == "choice":
        # The rule for consent is not asked, so a choice keeps the default.
        assert options == ["Monday 2pm", "Wednesday 10am"]
        assert decision.pass_rule == Decision.PassRule.MORE_AGREE_NO_BLOCK
    else:
        assert options == []
        assert decision.pass_rule == Decision.PassRule.MORE_AGREE


@pytest.mark.parametrize("kind", ["", "ranked", "<script>"])
def test_an_unknown_kind_goes_back_to_step_one_with_a_plain_error(client, world, kind):
    sign_in(client, world, "participant")
    for response in (
        client.get(_url(world), {"kind": kind}),
        client.post(_url(world), {"kind": kind, "step": "questions"}),
    ):
        assert response.status_code == OK
        page = _html(response)
        assert _title(page).startswith("Error: What kind of decision is it?")
        assert '<a href="#id_kind_0">Choose the kind of decision</a>' in page
        assert 'id="id_kind_error"><span class="visually-hidden">Error:</span> Choose' in page
        assert "<script>" not in page.split("</head>")[1]
        assert OPTION_BOX not in page


@time_machine.travel(NOW, tick=False)
def test_a_proposal_sent_with_an_unknown_kind_keeps_what_was_typed(client, world):
    sign_in(client, world, "participant")
    response = client.post(_url(world), {"kind": "ranked", **_typed(title="Open <b>later</b>")})
    assert response.status_code == OK
    page = _html(response)
    assert '<a href="#id_kind_0">Choose the kind of decision</a>' in page
    # Carried in hidden boxes, to come back on the next step; never as HTML.
    assert '<input type="hidden" name="title" value="Open &lt;b&gt;later&lt;/b&gt;">' in page
    assert '<input type="hidden" name="option_2" value="Wednesday 10am">' in page
    assert '<input type="hidden" name="closes_on_year" value="2027">' in page
    assert not Decision.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_errors_on_the_second_step_keep_what_was_typed(client, world):
    sign_in(client, world, "participant")
    response = client.post(
        _url(world), {"kind": "consent", **_typed(title="", closes_time="25:00")}
    )
    assert response.status_code == OK
    page = _html(response)
    assert _title(page) == "Error: Propose a decision in Riverside - Coproduce"
    assert '<a href="#id_title">Enter a title</a>' in page
    assert '<a href="#id_closes_time">Enter a real time' in page
    assert "Open the day centre until 6pm.\nStaff agree.</textarea>" in page
    assert 'name="closes_time" value="25:00"' in page
    assert 'value="more_agree" id="id_pass_rule_1" checked' in page
    assert '<input type="hidden" name="kind" value="consent">' in page
    assert OPTION_BOX not in page
    assert not Decision.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_changing_the_kind_keeps_what_was_typed(client, world):
    sign_in(client, world, "participant")
    response = client.post(_url(world), {"kind": "choice", "step": "kind", **_typed()})
    page = _html(response)
    assert response.status_code == OK
    assert _title(page).startswith("What kind of decision is it?")
    assert 'value="choice" id="id_kind_1" checked' in page
    assert '<input type="hidden" name="option_1" value="Monday 2pm">' in page

    # Step 1 sends the hidden boxes on with the new kind: consent asks no options.
    response = client.post(_url(world), {"kind": "consent", "step": "questions", **_typed()})
    page = _html(response)
    assert response.status_code == OK
    assert not _title(page).startswith("Error")
    assert 'class="error-message"' not in page
    assert 'name="title" value="Open later"' in page
    assert "Open the day centre until 6pm.\nStaff agree.</textarea>" in page
    assert 'name="closes_on_day" value="3"' in page
    assert 'name="quorum_percent" value="60"' in page
    assert 'value="anonymous" id="id_anonymity_1" checked' in page
    assert PASS_RULE in page
    assert "Monday 2pm" not in page

    response = client.post(_url(world), {"kind": "choice", "step": "questions", **_typed()})
    page = _html(response)
    assert 'name="option_2" value="Wednesday 10am"' in page
    assert PASS_RULE not in page
    assert not Decision.objects.exists()


# --- htmx: the kind's questions swapped in -----------------------------------------


@pytest.mark.parametrize(
    ("kind", "asks", "never_asks"),
    [
        ("choice", OPTION_BOX, PASS_RULE),
        ("consent", PASS_RULE, OPTION_BOX),
    ],
)
def test_htmx_gets_only_the_questions_of_the_kind(client, world, kind, asks, never_asks):
    sign_in(client, world, "participant")
    response = client.post(
        _url(world),
        {"kind": kind, "step": "questions", "title": "Open later"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == OK
    fragment = _html(response)
    assert "<html" not in fragment
    assert "<title>" not in fragment
    assert "<form" not in fragment  # the questions go into step 1's form
    assert 'class="error-summary"' not in fragment
    assert asks in fragment
    assert never_asks not in fragment
    assert 'name="title" value="Open later"' in fragment
    assert (
        f'<div id="kind-status" hx-swap-oob="innerHTML">The questions for “{KIND_LABELS[kind]}”'
        in fragment
    )
    assert 'class="button">Propose the decision</button>' in fragment
    # The kinds are still above, so there is no button to change it.
    assert "Change the kind" not in fragment


def test_the_first_step_asks_htmx_to_swap_the_questions_in(client, world):
    sign_in(client, world, "participant")
    page = _html(client.get(_url(world)))
    assert f'hx-post="{_url(world)}" hx-trigger="change" hx-target="#kind-questions"' in page
    assert '<div id="kind-status" class="visually-hidden" role="status"></div>' in page
    assert "htmx" in page.split("</head>")[0]


def test_htmx_with_an_unknown_kind_swaps_nothing(client, world):
    sign_in(client, world, "participant")
    response = client.post(
        _url(world), {"kind": "ranked", "step": "questions"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.content == b""


# --- every role -----------------------------------------------------------------------


# signed out, outsider, participant, professional, facilitator, manager, staff
EXPECTED = dict(zip(ROLES, [FOUND, NOT_FOUND, OK, OK, OK, FORBIDDEN, NOT_FOUND], strict=True))


def _step_one(client, world):
    return client.get(_url(world))


def _step_two(client, world):
    return client.get(_url(world), {"kind": "choice"})


def _change_kind(client, world):
    return client.post(_url(world), {"kind": "choice", "step": "kind", **_typed()})


def _htmx_questions(client, world):
    return client.post(
        _url(world), {"kind": "consent", "step": "questions"}, headers={"HX-Request": "true"}
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "ask", [_step_one, _step_two, _change_kind, _htmx_questions], ids=lambda ask: ask.__name__
)
def test_every_step_for_every_role(client, world, role, ask):
    user = sign_in(client, world, role)
    response = ask(client, world)
    assert response.status_code == EXPECTED[role], _html(response)[:2000]
    if user is None:
        assert response["Location"].startswith(reverse("account_login"))
    elif EXPECTED[role] == FORBIDDEN:
        assert "Only members of this project can propose a decision." in _html(response)
        assert '<form method="post"' not in _html(response)


@pytest.mark.parametrize("ask", [_step_one, _step_two], ids=lambda ask: ask.__name__)
def test_the_steps_read_a_fixed_number_of_queries(
    client, world, ask, django_assert_max_num_queries
):
    sign_in(client, world, "participant")
    # Session, user, project, membership, manager check, the current stage.
    with django_assert_max_num_queries(6):
        response = ask(client, world)
    assert response.status_code == OK


# --- the decision page without easy words ------------------------------------------

NO_EASY_WORDS = "No one has written this decision in easy words yet."


@pytest.mark.parametrize(
    ("role", "may_add"),
    [("participant", True), ("facilitator", True), ("professional", False)],
)
def test_the_decision_page_says_plainly_when_there_are_no_easy_words(
    client, world, decision, role, may_add
):
    assert decision.proposer == world.participant
    user = sign_in(client, world, role)
    page = _html(client.get(decision.get_absolute_url()))
    assert NO_EASY_WORDS in page
    edit_url = reverse(
        "decisions:edit",
        kwargs={"slug": world.project.slug, "public_id": decision.public_id},
    )
    add = f'<a href="{edit_url}#id_easy_words">Write it in easy words</a>'
    assert (add in page) is may_add
    # Where easy words would be: first for a member who chose easy words.
    assert page.index("The proposal</h2>") < page.index(NO_EASY_WORDS)
    user.reminder_format = "easy_words"
    user.save()
    page = _html(client.get(decision.get_absolute_url()))
    assert page.index(NO_EASY_WORDS) < page.index("The proposal</h2>")


def test_easy_words_written_replace_the_sentence(client, world, decision):
    decision.easy_words = "We stay open later."
    decision.save()
    sign_in(client, world, "participant")
    page = _html(client.get(decision.get_absolute_url()))
    assert '<p class="prose">We stay open later.</p>' in page
    assert NO_EASY_WORDS not in page


def test_a_closed_decision_without_easy_words_has_no_link_to_add_them(client, world, decision):
    services.decision_close(decision_id=decision.pk, notify=False, actor=SYSTEM)
    sign_in(client, world, "participant")
    page = _html(client.get(decision.get_absolute_url()))
    assert NO_EASY_WORDS in page
    assert "Write it in easy words" not in page


def test_the_easy_words_question_says_who_it_helps(client, world):
    sign_in(client, world, "participant")
    decision = make_decision(world)
    edit_url = reverse(
        "decisions:edit", kwargs={"slug": world.project.slug, "public_id": decision.public_id}
    )
    for url in (f"{_url(world)}?kind=consent", edit_url):
        page = _html(client.get(url))
        assert (
            '<label class="label" for="id_easy_words">The decision in easy words (optional)' in page
        ), url
        hint = re.search(r'id="id_easy_words_helptext">(.*?)</div>', page).group(1)
        assert "people with a learning disability" in hint
        assert "people who read English as a second language" in hint
        assert "anyone who wants the short version" in hint
        assert "For example: We want the day centre to stay open until 6pm." in hint
