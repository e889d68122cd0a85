"""Who may do what in a project.

Members are equals, so the rules are few:
- see a project: its current members and its organisation's project managers;
- take part (propose, comment, vote, answer the ladder check): current members,
  whatever their label, facilitators included, one vote each;
- housekeeping (invite, remove, edit stages, move to the next stage):
  facilitators, and the organisation's project managers.
Everyone else gets a 404 for a private project, so its existence does not leak.
Staff use the admin dashboard; on these pages they are treated like anyone else.

The services (and so the admin dashboard, which calls them) ask
can_do_housekeeping: a facilitator of the project, or a manager of its
organisation by Organisation.objects.managed_by (which counts a superuser as a
manager of every organisation). Being staff alone allows nothing.
"""

from dataclasses import dataclass

from django.http import Http404

from projects.models import Membership, Organisation, Project


@dataclass(frozen=True)
class ProjectAccess:
    """What one person may do in one project, worked out once per request."""

    project: Project
    membership: Membership | None
    is_manager: bool

    @property
    def can_view(self) -> bool:
        return self.membership is not None or self.is_manager

    @property
    def can_participate(self) -> bool:
        return self.membership is not None

    @property
    def can_facilitate(self) -> bool:
        return self.is_manager or (self.membership is not None and self.membership.is_facilitator)

    @property
    def can_see_access_needs(self) -> bool:
        """Members' access needs are for the facilitators of their projects to
        plan around: not for project managers who are not facilitators here."""
        return self.membership is not None and self.membership.is_facilitator


def project_access(user, project: Project) -> ProjectAccess:
    if not user.is_authenticated:
        return ProjectAccess(project, None, False)
    membership = (
        Membership.objects.current()
        .filter(project=project, user=user)
        .select_related("user")
        .first()
    )
    is_manager = project.organisation.managers.filter(pk=user.pk).exists()
    return ProjectAccess(project, membership, is_manager)


def project_access_or_404(user, slug: str) -> ProjectAccess:
    """The project with this slug and the viewer's access to it; 404 when the
    viewer may not see it (or it does not exist: the two look the same)."""
    try:
        project = Project.objects.select_related("organisation").get(slug=slug)
    except Project.DoesNotExist:
        raise Http404("No such project") from None
    access = project_access(user, project)
    if not access.can_view:
        raise Http404("No such project")
    return access


def can_view(user, project: Project) -> bool:
    return project_access(user, project).can_view


def can_participate(user, project: Project) -> bool:
    return project_access(user, project).can_participate


def can_facilitate(user, project: Project) -> bool:
    return project_access(user, project).can_facilitate


def manages_organisation(user, organisation_id: int) -> bool:
    """Whether this person manages the organisation (a superuser manages them all)."""
    return Organisation.objects.managed_by(user).filter(pk=organisation_id).exists()


def can_do_housekeeping(user, project: Project) -> bool:
    """A facilitator of the project, or a manager of its organisation."""
    if not user.is_authenticated:
        return False
    return (
        manages_organisation(user, project.organisation_id)
        or Membership.objects.current()
        .filter(project=project, user=user, is_facilitator=True)
        .exists()
    )
