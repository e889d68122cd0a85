"""Time zones as people choose them: named by a place ("London (UK time)"),
grouped by part of the world, with the site's own time zone first, instead
of about 600 raw names of which many are not places at all ("Factory",
"localtime", "W-SU", "Etc/GMT+5").

Every place name of the time zone database is kept (a member may live
anywhere), but only the geographic ones (Area/Place); old aliases such as
"US/Eastern" or "GB" are left out: their places are in the list under their
own names ("New York", "London").
"""

import zoneinfo
from functools import cache
from pathlib import Path

from django.conf import settings

# The parts of the world, in the order the list shows them.
REGIONS = {
    "Europe": "Europe",
    "Africa": "Africa",
    "America": "The Americas",
    "Asia": "Asia",
    "Australia": "Australia",
    "Pacific": "Pacific",
    "Atlantic": "Atlantic Ocean",
    "Indian": "Indian Ocean",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
}

# What people call the time in some places, said after the place's name.
CALLED = {
    "Europe/London": "UK time",
    "Europe/Dublin": "Irish time",
    "Europe/Belfast": "UK time",
    "Europe/Paris": "French time",
    "Europe/Berlin": "German time",
    "Europe/Madrid": "Spanish time",
    "Europe/Lisbon": "Portuguese time",
    "America/New_York": "US Eastern time",
    "America/Chicago": "US Central time",
    "America/Denver": "US Mountain time",
    "America/Los_Angeles": "US Pacific time",
    "America/Toronto": "Canadian Eastern time",
    "Australia/Sydney": "Sydney time",
    "Pacific/Auckland": "New Zealand time",
    "Asia/Kolkata": "India time",
}


def place_name(zone: str) -> str:
    """A time zone as people name it: its place, and what the time there is
    called when it has a common name ("London (UK time)"; "Buenos Aires")."""
    place = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{place} ({CALLED[zone]})" if zone in CALLED else place


def is_place(zone: str) -> bool:
    return zone.split("/", 1)[0] in REGIONS and "/" in zone


@cache
def _grouped() -> list[tuple[str, list[tuple[str, str]]]]:
    by_region: dict[str, dict[str, str]] = {region: {} for region in REGIONS}
    # Deeper names first, so that of two names for one place ("America/
    # Buenos_Aires", an old alias, and "America/Argentina/Buenos_Aires") the
    # list keeps the current one.
    for zone in sorted(zoneinfo.available_timezones(), key=lambda zone: -zone.count("/")):
        if is_place(zone):
            by_region[zone.split("/", 1)[0]].setdefault(place_name(zone), zone)
    return [
        (REGIONS[region], sorted(((zone, name) for name, zone in names.items()), key=_by_name))
        for region, names in by_region.items()
        if names
    ]


def _by_name(choice: tuple[str, str]) -> str:
    return choice[1]


def timezone_choices() -> list:
    """Choices for a time zone field: the site's time zone first, then every
    other place, grouped by part of the world (optgroups) and in the order
    of their names, then UTC."""
    site = settings.TIME_ZONE
    first = [("Where this site is", [(site, place_name(site))])]
    other = [("Other", [("UTC", "UTC (the same all year, no summer time)")])]
    places = [
        (group, [choice for choice in options if choice[0] != site])
        for group, options in _grouped()
    ]
    return first + places + (other if site != "UTC" else [])


# The short list ------------------------------------------------------------------
#
# People choose their time zone from a short list first: the places in the
# site's own country (from the time zone database's zone1970.tab, which says
# which country each place is in), and their own if it is elsewhere; the
# whole list is one step away, behind "Somewhere else".

ELSEWHERE = "elsewhere"


@cache
def _countries_of_zones() -> dict[str, tuple[str, ...]]:
    """Each place's countries (ISO 3166 codes), from zone1970.tab where the
    system's time zone database has it; empty when it does not."""
    for folder in zoneinfo.TZPATH:
        table = Path(folder) / "zone1970.tab"
        if table.exists():
            countries: dict[str, tuple[str, ...]] = {}
            for line in table.read_text(encoding="utf-8").splitlines():
                if line.startswith("#") or not line.strip():
                    continue
                codes, _position, zone, *_ = line.split("\t")
                countries[zone] = tuple(codes.split(","))
            return countries
    return {}


def short_list(current: str | None = None) -> list[tuple[str, str]]:
    """The places to offer first: ``current`` (when it is one), then the
    places in the site's country, in the order of their names."""
    site = settings.TIME_ZONE
    countries = set(_countries_of_zones().get(site, ()))
    home = [
        zone
        for zone, codes in _countries_of_zones().items()
        if countries & set(codes) and is_place(zone)
    ] or [site]
    zones = sorted(set(home), key=place_name)
    if current and current not in zones and current in all_zones():
        zones.insert(0, current)
    return [(zone, place_name(zone)) for zone in zones]


@cache
def all_zones() -> frozenset[str]:
    """Every time zone the full list offers."""
    return frozenset(value for _group, options in timezone_choices() for value, _label in options)
