"""Your profile: the overview (what a member told us, part by part, each with
a "Change" link) and the short page for each part (access needs; strengths,
skills and contact details; emails), each saving only its own answers. Also
the contact details on a facilitator's view of a member, and the daily or
weekly email time typed the 12- or 24-hour way."""

import datetime
import html
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from participants.mail import links
from participants.models import User
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, bulk_members
from tests.roles import ROLES, client_for, role_world

OVERVIEW = "participants:profile"
ACCESS_NEEDS = "participants:profile_access_needs"
ABOUT_YOU = "participants:profile_about_you"
OFFER = "participants:profile_offer"
EMAILS = "participants:profile_emails"
PARTS = [ACCESS_NEEDS, ABOUT_YOU, OFFER, EMAILS]

# Each part's page: its title (the h1 too) and its button.
TITLES = {
    ACCESS_NEEDS: "Your access needs",
    ABOUT_YOU: "About you",
    OFFER: "What you offer",
    EMAILS: "Your emails",
}
BUTTONS = {
    ACCESS_NEEDS: "Save your access needs",
    ABOUT_YOU: "Save your answers about you",
    OFFER: "Save what you offer",
    EMAILS: "Save your email choices",
}
# The fields of each part, as saved on the account.
FIELDS = {
    ACCESS_NEEDS: ["access_needs", "access_needs_other"],
    ABOUT_YOU: [
        "pronouns",
        "about_me",
        "about_visibility",
        "languages",
        "languages_visibility",
        "contact_preference",
        "contact_details",
        "contact_visibility",
    ],
    OFFER: [
        "strength_tags",
        "strengths",
        "strengths_visibility",
        "findable_by_strength",
        "thank_by_name",
    ],
    EMAILS: [
        "reminders_turned_off",
        "reminder_format",
        "reminder_timing",
        "digest_time",
        "digest_weekday",
        "timezone",
    ],
}

PAT = {
    "display_name": "Pat Participant",
    "access_needs": ["bsl", "other"],
    "access_needs_other": "Meetings before 2pm, please",
    "strengths": "Good at listening.\nKnows the bus routes.",
    "contact_details": "Text me on 07700 900123.\nIn the office on Tuesdays.",
    "reminders_turned_off": ["closing_soon"],
    "reminder_format": "large_print",
    "reminder_timing": "weekly",
    "digest_time": datetime.time(18, 30),
    "digest_weekday": 4,
    "timezone": "Europe/Paris",
}


@pytest.fixture
def world(db):
    return role_world(
        participant=PAT,
        professional={"display_name": "Priya"},
        facilitator={"display_name": "Sam Okafor"},
        manager={"display_name": "Helen Manager"},
        outsider={"display_name": "Olly Outside"},
        staff={"display_name": "Stella Staff"},
    )


@pytest.fixture
def pat(world):
    return world.users["participant"]


def answers(person: User) -> dict:
    """Everything Your profile saves, as it is in the database now."""
    person = User.objects.get(pk=person.pk)
    return {name: getattr(person, name) for names in FIELDS.values() for name in names}


def posted(part: str, **changes) -> dict:
    """A valid form for ``part``, with ``changes``."""
    data = {
        ACCESS_NEEDS: {"access_needs": ["large_print", "quiet_space"], "access_needs_other": ""},
        ABOUT_YOU: {
            "pronouns": "she/her",
            "about_me": "I live near the centre.",
            "about_visibility": "members",
            "languages": "English and Urdu",
            "languages_visibility": "members",
            "contact_preference": "text_message",
            "contact_details": "Ring 01632 960001",
            "contact_visibility": "members",
        },
        OFFER: {
            "strength_tags": ["caring", "writing"],
            "strengths": "Cooking for big groups",
            "strengths_visibility": "members",
            "findable_by_strength": "on",
            "thank_by_name": "",
        },
        EMAILS: {
            "wanted": ["new_decision", "result"],
            "reminder_format": "plain_text",
            "reminder_timing": "daily",
            "digest_time": "7:15",
            "digest_weekday": "1",
            "timezone": "Europe/London",
        },
    }[part]
    return {**data, **changes}


def text(response) -> str:
    return response.content.decode()


# --- signed out ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [OVERVIEW, *PARTS])
def test_signed_out_visitors_are_sent_to_sign_in(db, client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("part", PARTS)
def test_a_signed_out_post_changes_nothing(pat, client, part):
    before = answers(pat)
    response = client.post(reverse(part), posted(part))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert answers(pat) == before


# --- the overview ------------------------------------------------------------------


def test_the_overview_shows_the_answers_in_words(pat):
    response = client_for(pat).get(reverse(OVERVIEW))
    assert response.status_code == HTTPStatus.OK
    page = html.unescape(text(response))
    assert "<title>Your profile - Coproduce</title>" in page
    assert page.count("<h1") == 1
    assert "<form" not in page.split('id="main-content"')[1]  # nothing to fill in here
    for words in [
        "British Sign Language (BSL) interpreter",
        "Something else: Meetings before 2pm, please",
        "Good at listening.\nKnows the bus routes.",
        "Text me on 07700 900123.\nIn the office on Tuesdays.",
        "The result of a decision, and what will happen next",
        "Large print",
        "Once a week, in one email, on Friday at 18:30",
        "Paris (French time)",
        "Only you and the facilitators of your projects can see this.",
    ]:
        assert words in page, words


def test_the_overview_leaves_out_the_emails_turned_off(pat):
    page = text(client_for(pat).get(reverse(OVERVIEW)))
    emails = page.split('id="emails-heading"')[1]
    assert "A vote is closing soon" not in emails
    assert "A new decision to vote on" in emails


def test_each_part_has_a_change_link_naming_it(pat):
    page = text(client_for(pat).get(reverse(OVERVIEW)))
    for name, hidden in [
        (ACCESS_NEEDS, "your access needs"),
        (ABOUT_YOU, "what you told us about you"),
        (OFFER, "what you offer"),
        (EMAILS, "your emails"),
    ]:
        link = f'<a href="{reverse(name)}">Change<span class="visually-hidden"> {hidden}</span></a>'
        assert link in page, name


def test_the_overview_of_someone_who_has_said_nothing(db):
    person = UserFactory(display_name="Kim")
    page = html.unescape(text(client_for(person).get(reverse(OVERVIEW))))
    assert "You have not told us about any access needs." in page
    assert "You have not written about them yet." in page
    assert "You are not sharing any contact details." in page
    assert "Straight away" in page
    assert "Something else:" not in page


def test_the_overview_says_in_short_when_every_email_comes(db):
    person = UserFactory()
    page = text(client_for(person).get(reverse(OVERVIEW)))
    emails = page.split('id="emails-heading"')[1]
    assert "All the emails we send about your projects." in emails
    assert "A new decision to vote on" not in emails


def test_the_overview_says_when_no_email_of_the_list_comes(db):
    person = UserFactory(
        reminders_turned_off=[
            "new_decision",
            "closing_soon",
            "result",
            "stage",
            "project_finished",
            "vote_recorded",
        ],
        reminder_timing="daily",
        digest_time=datetime.time(7, 5),
    )
    page = text(client_for(person).get(reverse(OVERVIEW)))
    assert "None of these. You still get invitations" in page
    assert "Once a day, in one email, at 07:05" in page


def test_the_overview_cannot_be_posted_to(pat):
    response = client_for(pat).post(reverse(OVERVIEW), posted(ACCESS_NEEDS))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert User.objects.get(pk=pat.pk).access_needs == ["bsl", "other"]


def test_nothing_typed_is_shown_as_html(db):
    person = UserFactory(
        strengths="<b>bold</b>",
        contact_details="<script>alert(1)</script>",
        access_needs=["other"],
        access_needs_other="<i>ramp</i>",
    )
    for name in [OVERVIEW, ACCESS_NEEDS, ABOUT_YOU, OFFER]:
        page = text(client_for(person).get(reverse(name)))
        assert "<b>bold" not in page
        assert "<script>alert" not in page
        assert "<i>ramp" not in page
    page = text(client_for(person).get(reverse(OVERVIEW)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- each part on its own page -------------------------------------------------------


@pytest.mark.parametrize("part", PARTS)
def test_each_part_is_a_short_page_back_to_the_overview(pat, part):
    page = text(client_for(pat).get(reverse(part)))
    assert f"<title>{TITLES[part]} - Coproduce</title>" in page
    assert page.count("<h1") == 1
    assert f"<h1>{TITLES[part]}</h1>" in page
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in page
    assert f'<li><a href="{reverse(OVERVIEW)}">Your profile</a></li>' in page
    assert page.count("<form") == 1
    assert page.count('type="submit"') == 1
    assert f">{BUTTONS[part]}</button>" in page


def test_the_access_needs_page_shows_the_answers(pat):
    page = text(client_for(pat).get(reverse(ACCESS_NEEDS)))
    assert 'value="bsl" id="id_access_needs_2" checked' in page
    assert 'value="other" id="id_access_needs_8" checked' in page
    assert 'value="large_print" id="id_access_needs_0" checked' not in page
    assert ">\nMeetings before 2pm, please</textarea>" in page
    # Who sees it, as the page has always said.
    assert "Only you and the facilitators of your projects can see this." in page
    # The question that depends on "Something else" says so, and shows only
    # once it is ticked when JavaScript runs (the GOV.UK conditional reveal).
    assert "Only if you ticked “Something else”." in page
    assert 'id="id_access_needs_other_reveal" data-reveal-when="id_access_needs_8"' in page
    assert "strengths" not in page
    assert "digest_time" not in page


def test_the_about_you_page_shows_the_answers(pat):
    page = text(client_for(pat).get(reverse(ABOUT_YOU)))
    assert "Good at listening" not in page  # on What you offer
    assert ">\nText me on 07700 900123.\nIn the office on Tuesdays.</textarea>" in page
    assert "How people in your projects can reach you (optional)" in page
    assert (
        "For example, a phone number, or the days you are in the office. The facilitators "
        "of your projects see this. If you help run a project, its members see it in their "
        "emails, under “Do you need help?”. Leave it empty to share nothing."
    ) in page
    assert 'maxlength="300"' in page
    assert "access_needs" not in page


def test_the_emails_page_shows_the_answers(pat):
    page = text(client_for(pat).get(reverse(EMAILS)))
    assert 'name="closing_soon"' not in page
    assert 'value="result" id="id_wanted_2" checked' in page
    assert 'value="closing_soon" id="id_wanted_1" checked' not in page
    assert 'value="large_print" id="id_reminder_format_2" checked' in page
    assert 'value="weekly" id="id_reminder_timing_2" checked' in page
    # The time typed, shown the 24-hour way; not the browser's own time box.
    assert 'type="text" name="digest_time" value="18:30"' in page
    assert 'type="time"' not in page
    # Needed only for daily or weekly emails, so not marked as always needed.
    assert 'autocomplete="off" aria-describedby' in page
    assert 'autocomplete="off" required' not in page
    assert '<option value="4" selected>Friday</option>' in page
    # Their time zone first on the short list, chosen; the whole list one step away.
    assert 'value="Europe/Paris" id="id_timezone_0" checked' in page
    assert '<label class="radios__label" for="id_timezone_0">Paris (French time)</label>' in page
    # When the time and day matter.
    assert "Only if you choose once a day or once a week. For example, 9am or 17:30." in page
    assert "Only if you choose once a week." in page
    assert "access_needs" not in page


def test_a_new_members_time_shows_as_09_00(db):
    page = text(client_for(UserFactory()).get(reverse(EMAILS)))
    assert 'name="digest_time" value="09:00"' in page


@pytest.mark.parametrize("part", PARTS)
def test_each_part_saves_only_its_own_answers(pat, part):
    client = client_for(pat)
    before = answers(pat)
    response = client.post(reverse(part), posted(part))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse(OVERVIEW)
    after = answers(pat)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == set(FIELDS[part])


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (ACCESS_NEEDS, "Your access needs are saved."),
        (ABOUT_YOU, "Your answers about you are saved."),
        (OFFER, "What you offer is saved."),
        (EMAILS, "Your email choices are saved."),
    ],
)
def test_saving_a_part_says_what_was_saved(pat, part, message):
    response = client_for(pat).post(reverse(part), posted(part), follow=True)
    assert response.redirect_chain == [(reverse(OVERVIEW), HTTPStatus.FOUND)]
    assert message in text(response)


def test_the_saved_answers_are_the_ones_sent(pat):
    client = client_for(pat)
    client.post(reverse(ACCESS_NEEDS), posted(ACCESS_NEEDS))
    client.post(
        reverse(ABOUT_YOU), posted(ABOUT_YOU, contact_details="  Ring me\r\n\r\n\r\nor not  ")
    )
    client.post(reverse(OFFER), posted(OFFER))
    client.post(reverse(EMAILS), posted(EMAILS))
    person = User.objects.get(pk=pat.pk)
    assert person.pronouns == "she/her"
    assert person.about_me == "I live near the centre."
    assert person.languages == "English and Urdu"
    assert person.contact_preference == "text_message"
    assert person.strength_tags == ["caring", "writing"]
    assert person.strengths_visibility == "members"
    assert person.findable_by_strength is True
    assert person.thank_by_name is False
    assert person.access_needs == ["large_print", "quiet_space"]
    assert person.access_needs_other == ""
    assert person.strengths == "Cooking for big groups"
    assert person.contact_details == "Ring me\n\nor not"
    assert person.reminder_format == "plain_text"
    assert person.reminder_timing == "daily"
    assert person.digest_time == datetime.time(7, 15)
    assert person.digest_weekday == 1
    assert person.timezone == "Europe/London"
    assert "new_decision" not in person.reminders_turned_off
    assert "closing_soon" in person.reminders_turned_off


def test_contact_details_can_be_emptied(pat):
    client_for(pat).post(reverse(ABOUT_YOU), posted(ABOUT_YOU, contact_details="   "))
    assert User.objects.get(pk=pat.pk).contact_details == ""


def test_something_else_typed_ticks_something_else(pat):
    client_for(pat).post(
        reverse(ACCESS_NEEDS),
        posted(ACCESS_NEEDS, access_needs=[], access_needs_other="A ramp at the side door"),
    )
    person = User.objects.get(pk=pat.pk)
    assert person.access_needs == ["other"]
    assert person.access_needs_other == "A ramp at the side door"


@pytest.mark.parametrize(
    ("part", "changes", "error", "kept"),
    [
        (
            ACCESS_NEEDS,
            {"access_needs": ["other"], "access_needs_other": "   "},
            "Tell us what else you need",
            'value="other" id="id_access_needs_8" checked',
        ),
        (
            ACCESS_NEEDS,
            {"access_needs": ["jetpack"], "access_needs_other": "A lift " * 60},
            "Choose access needs from the list",
            "A lift A lift",
        ),
        (
            ACCESS_NEEDS,
            {"access_needs_other": "A lift " * 60},
            "What else you need must be 300 characters or fewer",
            "A lift A lift",
        ),
        (
            OFFER,
            {"strengths": "Cooking for big groups " * 100},
            "Your strengths and skills must be 2,000 characters or fewer",
            "Cooking for big groups Cooking",
        ),
        (
            ABOUT_YOU,
            {"pronouns": "she/her " * 10, "languages": "English and Urdu"},
            "Your pronouns must be 40 characters or fewer",
            'value="English and Urdu"',
        ),
        (
            ABOUT_YOU,
            {"about_me": "I like the garden. " * 30},
            "About me must be 500 characters or fewer",
            "I like the garden. I like",
        ),
        (
            ABOUT_YOU,
            {"about_visibility": "everyone", "about_me": "Kept words"},
            "Choose who can see your pronouns and about me",
            ">\nKept words</textarea>",
        ),
        (
            ABOUT_YOU,
            {"contact_preference": "pigeon", "languages": "Welsh"},
            "Choose how you like to be contacted from the list",
            'value="Welsh"',
        ),
        (
            OFFER,
            {"strength_tags": ["juggling"], "strengths": "Kept strengths"},
            "Choose strengths from the list",
            ">\nKept strengths</textarea>",
        ),
        (
            OFFER,
            {"strengths_visibility": "", "strength_tags": ["art"]},
            "Choose who can see your strengths and skills",
            'value="art" id="id_strength_tags_6" checked',
        ),
        (
            ABOUT_YOU,
            {"contact_details": "Ring 01632 960001 " * 20},
            "How people can reach you must be 300 characters or fewer",
            "Ring 01632 960001 Ring",
        ),
        (
            EMAILS,
            {"digest_time": "half past six"},
            "Enter a time, for example 9am or 17:30",
            'value="half past six"',
        ),
        (
            EMAILS,
            {"reminder_format": "", "digest_time": "9am"},
            "Choose how your emails should look",
            'value="9am"',
        ),
        (
            EMAILS,
            {"timezone": "Moon/Base", "digest_time": "9am"},
            "Choose your time zone",
            'value="9am"',
        ),
        (
            EMAILS,
            {"reminder_timing": "hourly", "digest_time": "9am"},
            "Choose when we should send your emails",
            'value="9am"',
        ),
        (
            EMAILS,
            {"wanted": ["everything"], "digest_time": "9am"},
            "Choose emails from the list",
            'value="9am"',
        ),
        (
            EMAILS,
            {"reminder_timing": "weekly", "digest_weekday": "9", "digest_time": "9am"},
            "Choose a day for your weekly email",
            'value="9am"',
        ),
    ],
)
def test_bad_input_is_explained_and_kept(pat, part, changes, error, kept):
    before = answers(pat)
    response = client_for(pat).post(reverse(part), posted(part, **changes))
    assert response.status_code == HTTPStatus.OK
    page = html.unescape(text(response))
    assert f"<title>Error: {TITLES[part]} - Coproduce</title>" in page
    assert "There is a problem" in page
    assert page.count(error) == 2  # in the error summary and by the field
    assert kept in page
    assert answers(pat) == before


def test_the_what_you_offer_page_shows_the_answers(pat):
    User.objects.filter(pk=pat.pk).update(
        strength_tags=["caring"], findable_by_strength=True, thank_by_name=False
    )
    page = text(client_for(pat).get(reverse(OFFER)))
    assert ">\nGood at listening.\nKnows the bus routes.</textarea>" in page
    assert 'value="caring" id="id_strength_tags_1" checked' in page
    assert 'value="writing" id="id_strength_tags_3" checked' not in page
    assert 'id="id_findable_by_strength" checked' in page
    assert 'id="id_thank_by_name" checked' not in page
    # Private unless they choose otherwise.
    assert 'value="facilitators" id="id_strengths_visibility_0" checked' in page
    assert "access_needs" not in page


def test_a_new_member_is_private_findable_by_nobody_and_thanked_by_name(db):
    person = UserFactory()
    assert person.about_visibility == "facilitators"
    assert person.strengths_visibility == "facilitators"
    assert person.languages_visibility == "facilitators"
    assert person.contact_visibility == "facilitators"
    assert person.findable_by_strength is False
    assert person.thank_by_name is True
    page = text(client_for(person).get(reverse(ABOUT_YOU)))
    for part in ("about", "languages", "contact"):
        assert f'value="facilitators" id="id_{part}_visibility_0" checked' in page
    assert 'value="" id="id_contact_preference_0" checked' in page
    page = text(client_for(person).get(reverse(OFFER)))
    assert 'id="id_thank_by_name" checked' in page


def test_the_overview_says_who_sees_each_part(pat):
    User.objects.filter(pk=pat.pk).update(
        pronouns="they/them",
        about_me="I grow tomatoes.",
        about_visibility="members",
        languages="Polish",
        strength_tags=["art", "digital"],
        contact_preference="phone",
        findable_by_strength=True,
        thank_by_name=False,
    )
    page = html.unescape(text(client_for(pat).get(reverse(OVERVIEW))))
    about = page.split('id="about-you-heading"')[1].split('id="offer-heading"')[0]
    assert "they/them<br>The members of your projects can see this." in about
    assert "Polish<br>Only the facilitators of your projects can see this." in about
    assert "Phone call<br>Only the facilitators of your projects can see this." in about
    offer = page.split('id="offer-heading"')[1].split('id="emails-heading"')[0]
    assert "<li>Art, drawing or design</li>" in offer
    assert "<li>Digital skills: computers, phones, the internet</li>" in offer
    assert "Facilitators may find you by your strengths when planning work." in offer
    assert "We thank you without your name: you are counted, not named." in offer


# --- the daily or weekly email time ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("9am", datetime.time(9, 0)),
        ("9 am", datetime.time(9, 0)),
        ("9:30 pm", datetime.time(21, 30)),
        ("5:30PM", datetime.time(17, 30)),
        ("9.30 a.m.", datetime.time(9, 30)),
        ("12am", datetime.time(0, 0)),
        ("12pm", datetime.time(12, 0)),
        ("09:00", datetime.time(9, 0)),
        ("17:30", datetime.time(17, 30)),
        ("21.30", datetime.time(21, 30)),
        (" 7 ", datetime.time(7, 0)),
        ("midday", datetime.time(12, 0)),
        ("Midnight", datetime.time(0, 0)),
    ],
)
def test_the_time_is_understood_the_12_or_24_hour_way(pat, typed, saved):
    response = client_for(pat).post(reverse(EMAILS), posted(EMAILS, digest_time=typed))
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=pat.pk).digest_time == saved


@pytest.mark.parametrize("typed", ["25:00", "13pm", "0am", "9:75", "9:5", "nine", "9am tomorrow"])
def test_a_time_that_is_not_real_is_explained_and_kept(pat, typed):
    response = client_for(pat).post(reverse(EMAILS), posted(EMAILS, digest_time=typed))
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "Enter a time, for example 9am or 17:30" in page
    assert f'name="digest_time" value="{typed}"' in page
    assert User.objects.get(pk=pat.pk).digest_time == datetime.time(18, 30)


# --- the questions that matter only for some answers ---------------------------------


def test_straight_away_needs_no_time_or_day(pat):
    response = client_for(pat).post(
        reverse(EMAILS),
        posted(EMAILS, reminder_timing="immediate", digest_time="", digest_weekday=""),
    )
    assert response.status_code == HTTPStatus.FOUND
    person = User.objects.get(pk=pat.pk)
    assert person.reminder_timing == "immediate"
    # Kept for when they choose daily or weekly emails again.
    assert person.digest_time == datetime.time(18, 30)
    assert person.digest_weekday == 4


def test_a_daily_email_needs_no_day(pat):
    response = client_for(pat).post(reverse(EMAILS), posted(EMAILS, digest_weekday=""))
    assert response.status_code == HTTPStatus.FOUND
    person = User.objects.get(pk=pat.pk)
    assert (person.reminder_timing, person.digest_weekday) == ("daily", 4)


@pytest.mark.parametrize(
    ("timing", "changes", "error"),
    [
        ("daily", {"digest_time": ""}, "Enter a time for your daily or weekly email"),
        ("weekly", {"digest_time": ""}, "Enter a time for your daily or weekly email"),
        ("weekly", {"digest_weekday": ""}, "Choose a day for your weekly email"),
    ],
)
def test_daily_or_weekly_emails_need_their_time_and_day(pat, timing, changes, error):
    response = client_for(pat).post(
        reverse(EMAILS), posted(EMAILS, reminder_timing=timing, **changes)
    )
    assert response.status_code == HTTPStatus.OK
    assert error in text(response)
    assert User.objects.get(pk=pat.pk).reminder_timing == "weekly"


def test_something_typed_is_checked_even_when_it_does_not_matter(pat):
    response = client_for(pat).post(
        reverse(EMAILS), posted(EMAILS, reminder_timing="immediate", digest_time="teatime")
    )
    assert response.status_code == HTTPStatus.OK
    assert "Enter a time, for example 9am or 17:30" in text(response)


def test_the_time_and_day_are_asked_as_needed_on_every_page(pat):
    """The fields are marked as they matter whenever they do, also on the
    page that comes back with an error, whatever timing was chosen."""
    response = client_for(pat).post(
        reverse(EMAILS), posted(EMAILS, reminder_timing="immediate", digest_time="teatime")
    )
    page = text(response)
    assert "Time for your daily or weekly email (optional)" not in page
    assert "Day for your weekly email (optional)" not in page


# --- the page reached from a link in an email --------------------------------------


def test_the_email_link_page_uses_the_same_time_box(pat, client):
    url = links.preferences_url(pat).removeprefix("https://coproduce.example.org")
    page = text(client.get(url))
    assert 'type="text" name="digest_time" value="18:30"' in page
    assert "For example, 9am or 17:30." in page
    response = client.post(url, posted(EMAILS, digest_time="9:30 pm"))
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=pat.pk).digest_time == datetime.time(21, 30)
    response = client.post(url, posted(EMAILS, digest_time="half nine"))
    assert "Enter a time, for example 9am or 17:30" in text(response)
    assert 'value="half nine"' in text(response)


# --- contact details on a facilitator's view of a member ------------------------------


CONTACT_STATUS = {
    "signed_out": HTTPStatus.NOT_FOUND,
    "outsider": HTTPStatus.NOT_FOUND,
    "participant": HTTPStatus.OK,  # their own
    "professional": HTTPStatus.NOT_FOUND,  # another member
    "facilitator": HTTPStatus.OK,
    "manager": HTTPStatus.NOT_FOUND,
    "staff": HTTPStatus.NOT_FOUND,
}


@pytest.mark.parametrize("role", ROLES)
def test_contact_details_are_shown_to_facilitators_only(world, role):
    url = reverse(
        "participants:member_access_needs",
        kwargs={"slug": world.project.slug, "pk": world.memberships["participant"].pk},
    )
    response = client_for(world.users[role]).get(url)
    assert response.status_code == CONTACT_STATUS[role]
    page = text(response)
    if response.status_code == HTTPStatus.OK:
        assert "<h2>How to reach them</h2>" in page
        assert "Text me on 07700 900123.\nIn the office on Tuesdays." in page
    else:
        assert "07700 900123" not in page
        assert "How to reach them" not in page


def test_empty_contact_details_are_not_shown(world):
    url = reverse(
        "participants:member_access_needs",
        kwargs={"slug": world.project.slug, "pk": world.memberships["professional"].pk},
    )
    response = client_for(world.users["facilitator"]).get(url)
    assert response.status_code == HTTPStatus.OK
    assert "How to reach them" not in text(response)


# --- queries -------------------------------------------------------------------------


def _member_of_a_project_of(size: int) -> User:
    person = UserFactory()
    project = ProjectFactory()
    bulk_members(project, size)
    MembershipFactory(project=project, user=person)
    return person


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("name", [OVERVIEW, *PARTS])
def test_each_page_takes_the_same_queries_at_any_size(
    size, name, db, django_assert_max_num_queries
):
    client = Client()
    client.force_login(_member_of_a_project_of(size))
    with django_assert_max_num_queries(6):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("part", PARTS)
def test_saving_a_part_takes_the_same_queries_at_any_size(
    size, part, db, django_assert_max_num_queries
):
    client = Client()
    client.force_login(_member_of_a_project_of(size))
    # Saving email choices also puts the reminders waiting in line with them.
    with django_assert_max_num_queries(15 if part == EMAILS else 10):
        assert client.post(reverse(part), posted(part)).status_code == HTTPStatus.FOUND
