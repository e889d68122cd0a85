import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import LadderAnswer, Project, Stage
from tests.factories import MembershipFactory, ProjectFactory, StageFactory, UserFactory


def test_project_slugs_carry_a_random_suffix(db):
    first = ProjectFactory(name="Same name")
    second = ProjectFactory(name="Same name")
    assert first.slug != second.slug
    assert first.slug.startswith("same-name-")
    assert first.get_absolute_url() == f"/projects/{first.slug}/"


def test_a_project_ends_after_it_starts(db):
    project = ProjectFactory.build(
        starts_on=datetime.date(2027, 2, 1), ends_on=datetime.date(2027, 1, 1)
    )
    with pytest.raises(ValidationError):
        project.clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(starts_on=datetime.date(2027, 2, 1), ends_on=datetime.date(2027, 1, 1))


def test_the_database_allows_only_one_current_stage(db):
    project = ProjectFactory()
    StageFactory(project=project, current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFactory(project=project, current=True)


def test_a_stage_ends_only_after_starting(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFactory(ended_at=timezone.now())


def test_a_stage_is_planned_to_end_after_it_starts(db):
    stage = StageFactory.build(
        planned_start=datetime.date(2027, 2, 1), planned_end=datetime.date(2027, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        stage.clean()
    assert "planned_end" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        StageFactory(planned_start=datetime.date(2027, 2, 1), planned_end=datetime.date(2027, 1, 1))


def test_stage_states(db):
    future = StageFactory()
    current = StageFactory(current=True)
    past = StageFactory(started_at=timezone.now(), ended_at=timezone.now())
    assert (future.is_future, future.is_current, future.is_past) == (True, False, False)
    assert (current.is_future, current.is_current, current.is_past) == (False, True, False)
    assert (past.is_future, past.is_current, past.is_past) == (False, False, True)
    assert list(Stage.objects.current()) == [current]
    assert current.get_absolute_url() == f"/projects/{current.project.slug}/stages/{current.pk}/"


@pytest.mark.parametrize("rung", [0, 8, 9])
def test_the_database_keeps_rungs_from_1_to_7(db, rung):
    membership = MembershipFactory()
    stage = StageFactory(project=membership.project, current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        LadderAnswer.objects.create(stage=stage, membership=membership, rung=rung)


def test_one_ladder_answer_per_member_per_stage(db):
    membership = MembershipFactory()
    stage = StageFactory(project=membership.project, current=True)
    LadderAnswer.objects.create(stage=stage, membership=membership, rung=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        LadderAnswer.objects.create(stage=stage, membership=membership, rung=4)


def test_a_ladder_answer_takes_the_members_label_unless_given_one(db):
    membership = MembershipFactory(label="professional")
    stage = StageFactory(project=membership.project, current=True)
    answer = LadderAnswer.objects.create(stage=stage, membership=membership, rung=3)
    assert answer.label == "professional"
    with pytest.raises(IntegrityError), transaction.atomic():
        LadderAnswer.objects.filter(pk=answer.pk).update(label="boss")


def test_visible_to_members_and_managers_only(db):
    membership = MembershipFactory()
    project = membership.project
    left = MembershipFactory(project=project, left_at=timezone.now())
    manager = UserFactory()
    project.organisation.managers.add(manager)
    other = MembershipFactory().user
    assert list(Project.objects.visible_to(membership.user)) == [project]
    assert list(Project.objects.visible_to(manager)) == [project]
    assert list(Project.objects.visible_to(left.user)) == []
    assert list(Project.objects.visible_to(other)) == [other.memberships.get().project]


def test_with_progress_counts_stages_and_started_stages(db):
    project = ProjectFactory()
    StageFactory(project=project, started_at=timezone.now(), ended_at=timezone.now())
    StageFactory(project=project, current=True)
    StageFactory(project=project)
    annotated = Project.objects.with_progress().get(pk=project.pk)
    assert (annotated.stage_count, annotated.started_count) == (3, 2)
