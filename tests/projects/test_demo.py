"""The demo data shows the projects side working: a project in its third
stage, with ladder answers, so a newcomer can answer and see the results."""

from django.core.management import call_command
from django.urls import reverse

from participants.models import User
from projects.models import Project


def test_the_demo_project_is_in_its_third_stage_with_ladder_answers(client, db, settings):
    settings.DEBUG = True
    call_command("demo", verbosity=0)
    project = Project.objects.get()
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
    assert "You will see what other members said after you answer." in current
    # An earlier stage shows the results, split participants and professionals.
    past = client.get(stages[1].get_absolute_url()).content.decode()
    assert "Participants, 3 answers" in past
    assert "Professionals, 3 answers" in past
    assert "Why people chose their rung" in past
    assert "The BSL interpreter at every meeting made a big difference." in past
