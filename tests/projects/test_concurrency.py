"""Two facilitators pressing "Move to the next stage" at the same moment must
move the project on once, and never leave two current stages.

stage_advance locks the project row (select_for_update on PostgreSQL; SQLite
takes the write lock when the transaction begins, as settings ask for
IMMEDIATE transactions), and the stage each person saw as current is checked
inside the lock. A pause is put inside the locked part so the two really
overlap."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from projects import services
from projects.models import Membership, Stage
from tests.factories import OrganisationFactory, UserFactory


def _project_with_two_facilitators():
    project = services.project_create(
        organisation=OrganisationFactory(),
        name="Busy",
        summary="Two hands on the wheel.",
        actor=UserFactory(is_superuser=True),
    )
    facilitators = []
    for name in ["Ann", "Bob"]:
        user = UserFactory(display_name=name)
        services.membership_add(
            project=project,
            user=user,
            label=Membership.Label.PROFESSIONAL,
            is_facilitator=True,
            actor=user,
        )
        facilitators.append(user)
    return project, facilitators


def _slow_down_inside_the_lock(monkeypatch):
    real = services._require_active

    def slow(project, doing):
        time.sleep(0.3)
        return real(project, doing)

    monkeypatch.setattr(services, "_require_active", slow)


def _wait_for_the_lock(job):
    """PostgreSQL makes the second transaction wait for the row lock, and a
    file SQLite database waits for the write lock (its "timeout" option).
    The in-memory SQLite database of the tests shares one cache between
    threads, which answers "table is locked" at once instead of waiting: so
    here, and only for that, try again until the lock is free."""
    for _attempt in range(200):
        try:
            return job()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            time.sleep(0.05)
    raise AssertionError("The lock was never freed")


def _close_thread_connection():
    connection.close()
    # Django keeps an in-memory SQLite connection open; this thread's own
    # handle can go (the main thread's keeps the database alive).
    if connection.connection is not None:
        connection.connection.close()
        connection.connection = None


def _run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def run(job):
        try:
            barrier.wait()
            outcomes.append(("moved", _wait_for_the_lock(job)))
        except ValidationError as error:
            outcomes.append(("refused", error.messages))
        finally:
            _close_thread_connection()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_facilitators_moving_on_from_the_same_stage_move_once(monkeypatch):
    project, (ann, bob) = _project_with_two_facilitators()
    first = project.stages.get(position=0)
    _slow_down_inside_the_lock(monkeypatch)
    outcomes = _run_together(
        [
            lambda: services.stage_advance(project=project, actor=ann, from_stage=first),
            lambda: services.stage_advance(project=project, actor=bob, from_stage=first),
        ]
    )
    assert sorted(kind for kind, _ in outcomes) == ["moved", "refused"]
    refused = next(detail for kind, detail in outcomes if kind == "refused")
    assert refused == [
        "Someone has already moved the project on. It is now at “Understanding what matters”."
    ]
    current = Stage.objects.filter(project=project).current()
    assert current.count() == 1
    assert current.get().position == 1


@pytest.mark.django_db(transaction=True)
def test_two_moves_at_once_without_a_stage_to_check_still_leave_one_current_stage(monkeypatch):
    project, (ann, bob) = _project_with_two_facilitators()
    _slow_down_inside_the_lock(monkeypatch)
    outcomes = _run_together(
        [
            lambda: services.stage_advance(project=project, actor=ann),
            lambda: services.stage_advance(project=project, actor=bob),
        ]
    )
    assert [kind for kind, _ in outcomes] == ["moved", "moved"]
    stages = list(Stage.objects.filter(project=project).order_by("position"))
    assert [stage.is_past for stage in stages[:2]] == [True, True]
    assert [stage.is_current for stage in stages] == [
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.django_db(transaction=True)
def test_moving_on_while_someone_removes_the_next_stage_leaves_one_current_stage(monkeypatch):
    """Whichever goes first, the stage that becomes current is never the one
    removed, and the project has exactly one current stage."""
    project, (ann, bob) = _project_with_two_facilitators()
    following = project.stages.get(position=1)
    _slow_down_inside_the_lock(monkeypatch)
    outcomes = _run_together(
        [
            lambda: services.stage_advance(project=project, actor=ann),
            lambda: services.stage_remove(stage=following, actor=bob),
        ]
    )
    current = Stage.objects.filter(project=project).current()
    assert current.count() == 1
    removed = not Stage.objects.filter(pk=following.pk).exists()
    kinds = sorted(kind for kind, _ in outcomes)
    if removed:
        assert kinds == ["moved", "moved"]
        assert current.get().name == "Ideas"
    else:
        assert kinds == ["moved", "refused"]
        assert current.get().pk == following.pk
    assert list(Stage.objects.filter(project=project).values_list("position", flat=True)) == list(
        range(Stage.objects.filter(project=project).count())
    )
