"""The demo data shows the projects side working: a project in its third
stage, with ladder answers, so a newcomer can answer the current stage's
ladder check and see the results of the stages before it."""

from django.core.management import call_command
from django.urls import reverse

from participants.models import User
from projects.models import Organisation, Project


def test_the_demo_project_is_in_its_third_stage_with_ladder_answers(client, db, settings):
    settings.DEBUG = True
    call_command("demo", verbosity=0)
    project = Project.objects.get(organisation__slug="riverside-council")
    stages = list(project.stages.order_by("position"))
    assert [stage.is_past for stage in stages[:2]] == [True, True]
    assert stages[2].is_current
    assert stages[2].ladder_answers.count() == 5

    client.force_login(User.objects.get(email="aisha@example.org"))
    timeline = client.get(reverse("projects:stages", kwargs={"slug": project.slug}))
    assert "Stage 3 of 7: <strong>Ideas</strong>." in timeline.content.decode()
    # Aisha has not answered for the current stage, so she can try it.
    current = client.get(stages[2].get_absolute_url()).content.decode()
    assert 'name="rung"' in current
    # Answers are still open for it: only how many have answered, no results.
    assert "5 people have answered the ladder check so far." in current
    assert "What members said" not in current
    # An earlier stage shows the results, split participants and professionals.
    past = client.get(stages[1].get_absolute_url()).content.decode()
    assert "Participants, 3 answers" in past
    assert "Professionals, 3 answers" in past
    assert "Why people chose their step" in past
    assert "The BSL interpreter at every meeting made a big difference." in past


def test_the_demo_has_two_organisations_each_with_its_own_managers(db, settings):
    """So that scoping is seen at once: Ravi (staff, not a superuser) and
    Helen (the site's superuser) manage Riverside; Nina manages Northfield."""
    settings.DEBUG = True
    details = call_command("demo", verbosity=0)
    ravi, nina, helen = (
        User.objects.get(email=f"{name}@example.org") for name in ("ravi", "nina", "helen")
    )
    assert (ravi.is_staff, ravi.is_superuser) == (True, False)
    assert (nina.is_staff, nina.is_superuser) == (True, False)
    assert helen.is_superuser
    assert [o.slug for o in Organisation.objects.managed_by(ravi)] == ["riverside-council"]
    assert [o.slug for o in Organisation.objects.managed_by(nina)] == ["northfield-health-trust"]
    assert Organisation.objects.managed_by(helen).count() == 2
    assert Project.objects.filter(organisation__slug="northfield-health-trust").count() == 1
    for email in ("helen@example.org", "ravi@example.org", "nina@example.org"):
        assert email in details
    # Loading again changes nothing.
    call_command("demo", verbosity=0)
    assert Organisation.objects.count() == 2
