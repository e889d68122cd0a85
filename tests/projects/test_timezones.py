"""Time zones as people choose them (coproduce/timezones.py): places named as
people say them, grouped by part of the world, the site's own first; none of
the database's names that are not places."""

from django.urls import reverse

from coproduce.timezones import place_name, timezone_choices
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


def test_starting_a_project_offers_the_grouped_places(world, client_as):
    client = client_as("manager")
    html = client.get(reverse("projects:create")).content.decode()
    assert '<optgroup label="Europe">' in html
    assert '<option value="Europe/London" selected>London (UK time)</option>' in html
    assert "Factory" not in html
    assert html.count('<option value="Europe/London"') == 1
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Far away",
            "summary": "A project in Argentina.",
            "timezone": "America/Argentina/Buenos_Aires",
            "creator_label": "professional",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(name="Far away").timezone == "America/Argentina/Buenos_Aires"
    response = client.post(
        reverse("projects:create"),
        {
            "organisation": world.organisation.pk,
            "name": "Nowhere",
            "summary": "x",
            "timezone": "Factory",
            "creator_label": "professional",
        },
    )
    assert response.status_code == 200
    assert "Choose a time zone from the list" in response.content.decode()
    assert not Project.objects.filter(name="Nowhere").exists()


def test_a_member_chooses_their_time_zone_from_the_same_places(world, client_as):
    html = client_as("participant").get(reverse("participants:profile_emails")).content.decode()
    assert '<optgroup label="The Americas">' in html
    assert ">London (UK time)</option>" in html
    assert "Factory" not in html
    assert "W-SU" not in html
