"""The demo data has an open decision of each kind and a closed decision with
an outcome, closed by the real service."""

from django.core.management import call_command

from decisions.models import Decision
from participants.models import User


def test_demo_decisions_are_real_ones(client, db, settings):
    settings.DEBUG = True
    call_command("demo", verbosity=0)
    open_kinds = set(Decision.objects.open().values_list("kind", flat=True))
    assert open_kinds == {"consent", "choice"}
    assert Decision.objects.open().filter(kind="choice", is_anonymous=True).exists()
    closed = Decision.objects.closed().get()
    assert closed.outcome.statement
    assert (closed.result, closed.quorum_met) == ("passed", True)
    assert closed.closed_at == closed.closes_at
    assert closed.tally["version"] == 1
    assert (closed.tally["eligible"], closed.tally["voted"]) == (6, 5)
    assert closed.tally["counts"] == {"agree": 4, "disagree": 1, "abstain": 0, "block": 0}
    assert closed.tally["voted_by_label"] == {"participant": 3, "professional": 2}

    client.force_login(User.objects.get(email="aisha@example.org"))
    page = client.get(closed.get_absolute_url()).content.decode()
    assert (
        "Passed: 4 agreed, 1 disagreed and 0 did not want to choose. Nobody said no and stopped it."
        in page
    )
    for decision in Decision.objects.filter(project__organisation__slug="riverside-council"):
        assert client.get(decision.get_absolute_url()).status_code == 200
    # The other organisation's project is private to its members and managers.
    northfield = Decision.objects.get(project__organisation__slug="northfield-health-trust")
    assert client.get(northfield.get_absolute_url()).status_code == 404
