"""The managers' dashboard's CSV downloads, and the anonymity of votes and
ladder answers on the page and in every download."""

from tests.decisions import dashboard_world
from tests.decisions.dashboard_world import (
    SECRET_COMMENT,
    dashboard_csv,
    dashboard_page,
    dashboard_tables,
)

_frozen_time = dashboard_world._frozen_time
world = dashboard_world.world
client_as = dashboard_world.client_as


# Anonymity -------------------------------------------------------------------------


def test_nothing_says_who_answered_or_how_anyone_voted(client_as, world):
    role = "manager_of_both"
    texts = [dashboard_page(client_as, role)]
    for table in dashboard_tables():
        rows = dashboard_csv(client_as, table, role)
        texts.append("\n".join(",".join(row.values()) for row in rows))
    everything = "\n".join(texts)
    for membership in world.members:
        assert membership.user.display_name not in everything
        assert membership.user.email not in everything
    assert SECRET_COMMENT not in everything
    for choice in (
        "Agree",
        "Disagree",
        "I do not want to choose (abstain)",
        "Say no and stop it (block)",
    ):
        assert choice not in everything


# The CSV downloads ------------------------------------------------------------------


def test_the_projects_csv(client_as):
    rows = dashboard_csv(client_as, "projects")
    garden = next(row for row in rows if row["Project"] == "Garden")
    assert garden["Organisation"] == "Riverside Trust"
    assert garden["Stage now"] == "2 of 3: Ideas"
    assert garden["Days in this stage"] == "12"
    assert garden["Planned end"] == "2027-06-30"
    assert (garden["Participants"], garden["Professionals"]) == ("6", "4")
    assert garden["Votes so far on open decisions"] == "Open the garden on Sundays: 4 of 10 voted"
    assert garden["Decisions closed without enough votes"] == "1"
    assert garden["Outcomes waiting to be written"] == "2"
    assert garden["Oldest outcome waiting (days)"] == "9"
    assert garden["Reminders that failed in the last 30 days"] == "2"
    assert "25% of voters" in garden["Balance"]
    assert [row["Project"] for row in rows] == ["Garden", "Allotments"]


def test_the_balance_csv(client_as):
    rows = [row for row in dashboard_csv(client_as, "balance") if row["Project"] == "Garden"]
    assert [row["Stage"] for row in rows] == [
        "Today's members",
        "Stage 1: Getting started",
        "Stage 2: Ideas",
    ]
    whole = rows[0]
    assert whole["Members: people"] == "10"
    assert whole["Members: participants' share (%)"] == "60"
    assert whole["Voters: participants"] == "1"
    assert whole["Voters: participants' share (%)"] == "25"
    assert whole["Commenters: people"] == "2"
    assert whole["More than 15 points below participants' share of members"] == (
        "Participants are 60% of members but 25% of voters."
    )


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(client_as, world):
    world.garden.name = "=HYPERLINK(1)"
    world.garden.save()
    world.open_decision.title = "-2+3"
    world.open_decision.save()
    world.riverside.name = "@Riverside"
    world.riverside.save()
    rows = dashboard_csv(client_as, "projects")
    garden = rows[0]
    assert garden["Project"] == "'=HYPERLINK(1)"
    assert garden["Organisation"] == "'@Riverside"
    assert garden["Votes so far on open decisions"] == "'-2+3: 4 of 10 voted"
    ladder = dashboard_csv(client_as, "ladder")
    assert ladder[0]["Project"] == "'=HYPERLINK(1)"
