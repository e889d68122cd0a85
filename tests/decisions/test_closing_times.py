"""Closing dates and times that cannot be a moment: far-off dates (31/12/9999
at 11pm west of UTC once gave a server error), and times that the clocks skip
or pass twice where the project is. Each gets a plain error on the form, with
what was typed kept; none is a server error."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse

from decisions import services
from decisions.models import Decision

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ZONES = ["Pacific/Pago_Pago", "America/Los_Angeles", "UTC", "Europe/London", "Pacific/Kiritimati"]


def _propose(client, world, *, day, month, year, at):
    client.force_login(world.participant.user)
    return client.post(
        reverse("decisions:propose", kwargs={"slug": world.project.slug}),
        {
            "title": "Open later",
            "description": "Open the day centre until 6pm.",
            "easy_words": "",
            "kind": "consent",
            "closes_on_day": str(day),
            "closes_on_month": str(month),
            "closes_on_year": str(year),
            "closes_time": at,
            "quorum_percent": "0",
            "pass_rule": "more_agree_no_block",
            "anonymity": "named",
        },
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("day", "month", "year", "at"),
    [(31, 12, 9999, "11pm"), (1, 1, 9999, "midnight"), (2, 3, 2029, "5pm"), (1, 1, 3000, "9am")],
)
def test_a_closing_date_too_far_ahead_is_refused_in_plain_words(
    client, world, zone, day, month, year, at
):
    world.project.timezone = zone
    world.project.save()
    response = _propose(client, world, day=day, month=month, year=year, at=at)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert '<a href="#id_closes_on_0">The closing date must be within 2 years from today' in page
    assert f'value="{year}"' in page  # what was typed is kept
    assert not Decision.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("zone", ZONES)
def test_a_closing_date_within_two_years_is_accepted_everywhere(client, world, zone):
    world.project.timezone = zone
    world.project.save()
    response = _propose(client, world, day=27, month=2, year=2029, at="11pm")
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[-3000:]
    assert Decision.objects.get().closes_at > NOW


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("zone", "day", "month", "at", "says"),
    [
        # London's clocks go forward at 1am on 28 March 2027: 1:30am never happens.
        ("Europe/London", 28, 3, "1:30am", "The clocks go forward then in London"),
        # They go back at 2am on 31 October 2027: 1:30am happens twice.
        ("Europe/London", 31, 10, "1:30am", "The clocks go back then in London"),
        ("America/New_York", 14, 3, "2:30am", "The clocks go forward then in New York"),
        ("America/New_York", 7, 11, "1:15am", "The clocks go back then in New York"),
    ],
)
def test_a_time_the_clocks_skip_or_repeat_is_explained(client, world, zone, day, month, at, says):
    world.project.timezone = zone
    world.project.save()
    response = _propose(client, world, day=day, month=month, year=2027, at=at)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert f'<a href="#id_closes_time">{says}' in page
    assert f'value="{at}"' in page
    assert not Decision.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_service_refuses_a_far_off_moment_without_a_server_error(world):
    far = datetime(9999, 12, 31, 23, 0, tzinfo=UTC) - timedelta(hours=1)
    with pytest.raises(services.ValidationError, match="within 2 years"):
        services.decision_propose(
            member=world.participant,
            title="Far off",
            description="Too far ahead.",
            kind="consent",
            closes_at=far,
        )
