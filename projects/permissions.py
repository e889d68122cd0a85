"""Who may do what in a project.

Members are equals, so the rules are few:
- see a project: its current members and its organisation's project managers;
- take part (propose, comment, vote, answer the ladder check): current members,
  whatever their label, facilitators included, one vote each;
- housekeeping (invite, remove, edit stages, move to the next stage):
  facilitators, and the organisation's project managers.
Everyone else gets a 404 for a private project, so its existence does not leak.
Staff use the admin dashboard; on these pages they are treated like anyone else.

Permissions fail closed. Every service names who acts, as a required keyword
(``actor``), and checks it the one way all three apps do:
``require(access, "housekeeping")`` raises PermissionDenied unless the access
object (ProjectAccess here, DecisionAccess in decisions, OrganisationAccess and
AccountAccess for what lies outside a project) allows that ability. An
unknown ability is a KeyError, so a typo refuses rather than allows.

Housekeeping in the services (and so in the admin dashboard, which calls
them) counts a manager of the organisation by Organisation.objects.managed_by,
which counts a superuser as a manager of every organisation. Being staff
alone allows nothing.

When Coproduce itself acts (the beat closing decisions whose time has come,
``manage.py createmanager``, ``manage.py demo``) it says so with SYSTEM. No
check lets SYSTEM through by accident: each ability says whether the system
has it, and only the few things the system really does say yes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects.models import Membership, Organisation, Project


class SystemActor:
    """Coproduce itself, with no person behind the change. It is signed in
    (so nothing treats it as a visitor) but is nobody's user: services store
    no one as who did it (see ``person``), and activity lines name it
    "Coproduce"."""

    pk = None
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    display_name = "Coproduce"

    def __str__(self) -> str:
        return self.display_name

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


def person(actor):
    """The user to record as who did something: nobody when the system did."""
    return None if actor is SYSTEM else actor


def _is_person(actor) -> bool:
    return actor is not None and actor is not SYSTEM and actor.is_authenticated


def require(access, ability: str, refusal: str = "") -> None:
    """Go on only if ``access`` allows ``ability``; otherwise PermissionDenied,
    in the refusal's words or the ability's own. The one permission check of
    every service in projects, participants and decisions."""
    allowed, words = access.ABILITIES[ability]
    if not allowed(access):
        raise PermissionDenied(refusal or words)


@dataclass(frozen=True)
class ProjectAccess:
    """What one person may do in one project, worked out once per request."""

    project: Project
    membership: Membership | None
    is_manager: bool
    # An active superuser runs the site: in the services (and so the admin
    # dashboard) they manage every organisation. On the site's pages they
    # are treated like anyone else.
    runs_site: bool = False
    is_system: bool = False

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

    @property
    def manages(self) -> bool:
        """A manager of the project's organisation, by
        Organisation.objects.managed_by (a superuser manages them all)."""
        return self.is_manager or self.runs_site

    @property
    def can_do_housekeeping(self) -> bool:
        return self.manages or (self.membership is not None and self.membership.is_facilitator)

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "participate": (
            lambda access: access.can_participate,
            "Only members of this project can do this.",
        ),
        "facilitate": (
            lambda access: access.can_facilitate,
            "Only facilitators and project managers can do this.",
        ),
        "housekeeping": (
            lambda access: access.can_do_housekeeping,
            "Only facilitators and project managers can do this.",
        ),
        "manage": (
            lambda access: access.manages,
            "Only the organisation's project managers can do this.",
        ),
    }


def project_access(user, project: Project) -> ProjectAccess:
    if user is SYSTEM:
        return ProjectAccess(project, None, False, is_system=True)
    if user is None or not user.is_authenticated:
        return ProjectAccess(project, None, False)
    membership = (
        Membership.objects.current()
        .filter(project=project, user=user)
        .select_related("user")
        .first()
    )
    # (By the organisation's id, so a service need not load the organisation.)
    is_manager = Organisation.objects.filter(pk=project.organisation_id, managers=user).exists()
    return ProjectAccess(
        project,
        membership,
        is_manager,
        runs_site=bool(user.is_active and user.is_superuser),
    )


def member_access(membership: Membership | None, project: Project) -> ProjectAccess:
    """The access of a member acting as themselves (answering the ladder
    check, leaving): for these services the membership is who acts. They take
    part if it is current and in this project. No query."""
    if membership is None:
        return ProjectAccess(project, None, False)
    taking_part = membership.is_current and membership.project_id == project.pk
    return ProjectAccess(project, membership if taking_part else None, False)


@dataclass(frozen=True)
class OrganisationAccess:
    """What someone may do with an organisation as a whole (None: one that
    does not exist yet)."""

    actor: object
    organisation_id: int | None

    @property
    def manages(self) -> bool:
        if not _is_person(self.actor):
            return False
        if self.organisation_id is None:  # only a superuser starts organisations
            return bool(self.actor.is_active and self.actor.is_superuser)
        return Organisation.objects.managed_by(self.actor).filter(pk=self.organisation_id).exists()

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        # Start a project: a manager of the organisation, on the site or in
        # the admin dashboard.
        "start_project": (
            lambda access: access.manages,
            "Only the organisation's project managers can start a project.",
        ),
        # Name a project manager (or start the organisation to name them
        # in): the first step of an install, `manage.py createmanager`, or a
        # manager of the organisation.
        "add_manager": (
            lambda access: access.actor is SYSTEM or access.manages,
            "Only the organisation's project managers can name another.",
        ),
    }


@dataclass(frozen=True)
class AccountAccess:
    """What someone may do with a person's account (None: one that does not
    exist yet): change their own settings; only the system makes accounts
    outside sign-up (`manage.py createmanager`)."""

    actor: object
    user: object | None

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "change": (
            lambda access: (
                _is_person(access.actor)
                and access.user is not None
                and access.actor.pk == access.user.pk
            ),
            "Only the person themselves can change this.",
        ),
        "create": (
            lambda access: access.actor is SYSTEM,
            "Accounts are made by signing up, or by whoever runs the server.",
        ),
    }


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
