"""Who may do what with time given and claims, in the one style of
projects/permissions.py: an access object with ABILITIES, checked by
``require(access, ability)``.

- Log your own time: a current member (ProjectAccess "participate").
- Log a meeting for several people, set the recognition policy:
  facilitators and the organisation's managers ("housekeeping").
- Check a line someone logged for you: only you (ContributionAccess).
- See a claim: the person who made it, the project's facilitators and the
  organisation's managers; never another member (ClaimAccess).
- Make or change a claim: only the participant whose time it is.
- Approve or refuse it: facilitators and managers, never for themselves.
- Mark approved claims paid: the organisation's managers (PaymentAccess).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from projects.models import Membership, Organisation
from projects.permissions import SYSTEM, ProjectAccess, project_access


def _own(access: ProjectAccess, membership: Membership) -> bool:
    return access.membership is not None and access.membership.pk == membership.pk


@dataclass(frozen=True)
class ContributionAccess:
    """What someone may do with one line of time given."""

    access: ProjectAccess
    membership: Membership  # whose time it is

    @property
    def is_own(self) -> bool:
        return _own(self.access, self.membership)

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "check": (
            lambda access: access.is_own,
            "Only the person whose time this is can check it.",
        ),
    }


@dataclass(frozen=True)
class ClaimAccess:
    """What someone may do with the claim for one line of time given."""

    access: ProjectAccess
    membership: Membership  # whose time, and so whose claim, it is

    @property
    def is_own(self) -> bool:
        return _own(self.access, self.membership)

    @property
    def can_see(self) -> bool:
        return self.is_own or self.access.can_facilitate

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "claim": (
            lambda access: (
                access.is_own and access.membership.label == Membership.Label.PARTICIPANT
            ),
            "Only the participant whose time this is can choose.",
        ),
        "decide": (
            lambda access: access.access.can_do_housekeeping and not access.is_own,
            "Only facilitators and project managers can approve a claim, and never their own.",
        ),
    }


def contribution_access(actor, membership: Membership) -> ContributionAccess:
    return ContributionAccess(project_access(actor, membership.project), membership)


def claim_access(actor, membership: Membership) -> ClaimAccess:
    return ClaimAccess(project_access(actor, membership.project), membership)


@dataclass(frozen=True)
class PaymentAccess:
    """Marking claims paid: for the managers of the claims' organisations
    (Organisation.objects.managed_by, so a superuser manages them all)."""

    actor: object
    organisation_ids: frozenset[int]

    ABILITIES: ClassVar[dict[str, tuple[Callable, str]]] = {
        "pay": (
            lambda access: (
                access.actor is not SYSTEM
                and bool(access.organisation_ids)
                and access.organisation_ids
                <= set(
                    Organisation.objects.managed_by(access.actor)
                    .filter(pk__in=access.organisation_ids)
                    .values_list("pk", flat=True)
                )
            ),
            "Only the organisation's project managers can mark claims paid.",
        ),
    }
