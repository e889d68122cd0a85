"""Time zones as people choose them (coproduce/timezones.py): places named as
people say them, grouped by part of the world, the site's own first; none of
the database's names that are not places."""

import re

import pytest
from django.urls import reverse

from coproduce.timezones import place_name, short_list, timezone_choices
from projects.models import Project


def _flat(choices) -> dict[str, str]:
    return {value: label for _group, options in choices for value, label in options}


def test_places_are_named_for_people_and_grouped(settings):
    settings.TIME_ZONE = "Europe/London"
    choices = timezone_choices()
    groups = [group for group, _options in choices]
    assert groups[0] == "Where this site is"
    assert choices[0][1] == [("Europe/London", "London (UK time)")]
    assert groups[1:4] == ["Europe", "Africa", "The Americas"]
    flat = _flat(choices)
    assert flat["America/Argentina/Buenos_Aires"] == "Buenos Aires"
    assert flat["Asia/Kolkata"] == "Kolkata (India time)"
    for not_a_place in ("Factory", "localtime", "W-SU", "Etc/GMT+5", "US/Eastern", "GB"):
        assert not_a_place not in flat
    assert 300 < len(flat) < 500  # of the database's 599 names
    europe = dict(choices)["Europe"]
    assert [label for _value, label in europe] == sorted(label for _value, label in europe)


def test_the_site_time_zone_is_first_even_when_it_is_not_a_place(settings):
    settings.TIME_ZONE = "UTC"
    assert timezone_choices()[0][1] == [("UTC", "UTC")]
    assert place_name("Europe/Dublin") == "Dublin (Irish time)"


def _radios(html: str) -> list[tuple[str, str]]:
    """The time zone radios of a page: (value, label), in order."""
    return re.findall(
        r'<input type="radio" name="timezone" value="([^"]+)"[^>]*>\s*'
        r'<label class="radios__label" for="[^"]+">([^<]+)</label>',
        html,
    )


def test_the_short_list_is_the_places_of_the_sites_country(settings):
    settings.TIME_ZONE = "Europe/London"
    assert short_list() == [("Europe/London", "London (UK time)")]
    # Someone who chose a place elsewhere keeps it on the short list.
    assert short_list("Europe/Paris") == [
        ("Europe/Paris", "Paris (French time)"),
        ("Europe/London", "London (UK time)"),
    ]
    settings.TIME_ZONE = "Europe/Madrid"
    assert [zone for zone, _name in short_list()] == [
        "Atlantic/Canary",
        "Africa/Ceuta",
        "Europe/Madrid",
    ]  # by their names: Canary, Ceuta, Madrid


def test_starting_a_project_offers_the_short_list_then_every_place(world, client_as):
    client = client_as("manager")
    html = client.get(reverse("projects:create")).content.decode()
    assert _radios(html) == [
        ("Europe/London", "London (UK time)"),
        ("elsewhere", "Somewhere else"),
    ]
    assert re.search(
        r'<input type="radio" name="timezone" value="Europe/London"[^>]* checked', html
    )
    # "Somewhere else" shows the whole list (with JavaScript, once it is chosen).
    assert 'data-reveal-when="id_timezone_1"' in html
    assert "Where is the project? Choose the nearest place" in html
    assert '<optgroup label="Europe">' in html
    assert "Factory" not in html
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Far away",
            "summary": "A project in Argentina.",
            "timezone": "elsewhere",
            "timezone_elsewhere": "America/Argentina/Buenos_Aires",
            "creator_label": "professional",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(name="Far away").timezone == "America/Argentina/Buenos_Aires"
    # A form sent with a place of the whole list as the answer (as before the
    # short list) is taken as it is.
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Far away too",
            "summary": "A project in Japan.",
            "timezone": "Asia/Tokyo",
            "creator_label": "professional",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(name="Far away too").timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"timezone": "Factory"}, "id_timezone_0", "Choose a time zone"),
        ({"timezone": ""}, "id_timezone_0", "Choose a time zone"),
        ({"timezone": "elsewhere"}, "id_timezone_elsewhere", "Choose the place nearest to you"),
        (
            {"timezone": "elsewhere", "timezone_elsewhere": "W-SU"},
            "id_timezone_elsewhere",
            "Choose a place from the list",
        ),
    ],
)
def test_a_missing_or_unknown_time_zone_is_refused_plainly(
    world, client_as, posted, field, message
):
    response = client_as("manager").post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Nowhere",
            "summary": "x",
            "creator_label": "professional",
            **posted,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="#{field}">{message}' in html
    assert not Project.objects.filter(name="Nowhere").exists()


def test_a_member_chooses_their_time_zone_from_the_same_places(world, client_as):
    client = client_as("participant")
    html = client.get(reverse("participants:profile_emails")).content.decode()
    assert _radios(html)[-1] == ("elsewhere", "Somewhere else")
    assert "Where do you live? Choose the nearest place" in html
    assert '<optgroup label="The Americas">' in html
    assert ">London (UK time)</option>" in html
    assert "Factory" not in html
    assert "W-SU" not in html
