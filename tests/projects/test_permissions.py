import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from projects.permissions import (
    can_facilitate,
    can_participate,
    can_view,
    project_access,
    project_access_or_404,
)

# role: (can view, can take part, can do housekeeping)
EXPECTED = {
    "outsider": (False, False, False),
    "participant": (True, True, False),
    "professional": (True, True, False),
    "facilitator": (True, True, True),
    "manager": (True, False, True),
    "staff": (False, False, False),
}


@pytest.mark.parametrize(("role", "expected"), EXPECTED.items())
def test_what_each_role_may_do(world, role, expected):
    user = world.users[role]
    access = project_access(user, world.project)
    assert (access.can_view, access.can_participate, access.can_facilitate) == expected
    assert (
        can_view(user, world.project),
        can_participate(user, world.project),
        can_facilitate(user, world.project),
    ) == expected


def test_signed_out_people_may_do_nothing(world):
    access = project_access(AnonymousUser(), world.project)
    assert (access.can_view, access.can_participate, access.can_facilitate) == (False, False, False)


@pytest.mark.parametrize("role", ["outsider", "staff"])
def test_outsiders_get_the_same_404_as_for_a_project_that_does_not_exist(world, role):
    with pytest.raises(Http404) as real:
        project_access_or_404(world.users[role], world.project.slug)
    with pytest.raises(Http404) as missing:
        project_access_or_404(world.users[role], "no-such-project-abc123")
    assert str(real.value) == str(missing.value)


def test_people_who_left_lose_access(world):
    from projects import services

    services.membership_leave(membership=world.memberships["participant"])
    with pytest.raises(Http404):
        project_access_or_404(world.users["participant"], world.project.slug)
