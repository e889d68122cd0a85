"""The kinds of reminder: the one place that says what reminders exist.

A kind declares its name (stored in ReminderLog.kind), the label people see
on their preferences, whether they may turn it off (and with which other
kind it goes), whether it is urgent, where it comes in a digest, and how it
is worded: ``messages()`` gives the context for its templates,
templates/emails/<template>[_easy]_subject.txt, _message.txt, _message.html,
_digest.txt (its lines in a digest) and _link.txt (its link's words).

The app that knows a kind's words registers it (decisions/reminders.py: the
decision kinds; participants/reminders/project_kinds.py: stages, the end of
a project, invitations). Nothing else lists kinds: the reminder log
validates against this registry, the preference forms and the admin are
built from it, and opt-outs are stored as kind names
(User.reminders_turned_off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from participants.models import ReminderLog
    from projects.models import Membership


@dataclass
class Message:
    """What a kind says about one object (a decision, a stage, an
    invitation). A kind returns the same Message object for every row about
    the same object, and the words must not depend on the recipient: a batch
    renders each Message once per format and adds the per-person links
    (participants.mail) afterwards."""

    template: str  # templates/emails/<template>_subject.txt, ...
    context: dict
    project_name: str
    url: str  # where its link in a digest goes
    # The deadline it is about (when the vote closes), if any: a reminder
    # that finds it is night when it is sent waits for daytime only if that
    # is still in time.
    deadline: datetime | None = None


class ReminderKind:
    """One kind of reminder. Subclasses set ``name``, ``label`` and, as
    needed, ``can_turn_off``, ``turned_off_with``, ``urgent``,
    ``digest_rank`` and ``listed``, and implement ``messages``."""

    name: str = ""
    # What people see on their preferences: "A new decision to vote on".
    label: str = ""
    # Whether a member may turn it off (invitations cannot be, like the
    # emails people ask for to sign in).
    can_turn_off: bool = True
    # Another kind whose choice this one follows, with no choice of its own
    # (the outcome of a decision goes with its result).
    turned_off_with: str | None = None
    # Sent even at night (invitations: someone just asked for it).
    urgent: bool = False
    # Where it comes in a digest: the most pressing first (a vote about to
    # close before anything else). Of two reminders about the same object in
    # one digest (a new decision that is also closing soon), only the first
    # is shown.
    digest_rank: int = 50
    # Where it comes in the list of choices on the preferences page.
    listed: int = 50

    @property
    def opt_out(self) -> str | None:
        """The kind name whose presence in a member's
        ``reminders_turned_off`` stops this kind; None if it cannot stop."""
        if not self.can_turn_off:
            return None
        return self.turned_off_with or self.name

    def messages(self, rows: list[ReminderLog], *, now: datetime) -> dict[int, Message | None]:
        """For each row (by pk), the message to send, or None when it is not
        needed any more (the member voted, the decision closed, ...). Must
        use a fixed number of queries, whatever the number of rows."""
        raise NotImplementedError

    def member_joined(self, membership: Membership) -> None:
        """Someone joined a project: plan what they should still hear about
        (nothing, unless a kind says otherwise)."""
        return

    def deadline_for(self, object_key: str) -> datetime | None:
        """The deadline a reminder about this object is about, if any (asked
        when a member's timing changes)."""
        return None


_KINDS: dict[str, ReminderKind] = {}


def register(kind_class: type[ReminderKind]) -> type[ReminderKind]:
    """Class decorator: make a kind of reminder known to the machinery."""
    kind = kind_class()
    if not kind.name or not kind.label:
        raise ValueError(f"{kind_class.__name__} needs a name and a label")
    if kind.turned_off_with and kind.turned_off_with == kind.name:
        raise ValueError(f"{kind.name} cannot be turned off with itself")
    _KINDS[kind.name] = kind
    return kind_class


def get_kind(name: str) -> ReminderKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No reminder kind {name!r} is registered") from None


def registered_kinds() -> dict[str, ReminderKind]:
    return dict(_KINDS)


def kind_label(name: str) -> str:
    """A kind's label, or its name if it is not registered (any more)."""
    kind = _KINDS.get(name)
    return kind.label if kind else name


def kind_choices() -> list[tuple[str, str]]:
    """Every kind, for the admin's filters."""
    return sorted(((kind.name, kind.label) for kind in _KINDS.values()), key=lambda c: c[1])


def choices_to_turn_off() -> list[tuple[str, str]]:
    """The choices a member has: each kind that can be turned off on its own."""
    own = [kind for kind in _KINDS.values() if kind.opt_out == kind.name]
    return [(kind.name, kind.label) for kind in sorted(own, key=lambda k: (k.listed, k.name))]


def is_turned_off(user, kind: ReminderKind) -> bool:
    """Whether ``user`` turned this kind off."""
    opt_out = kind.opt_out
    return bool(opt_out) and opt_out in (user.reminders_turned_off or ())


def validate_kind(value: str) -> None:
    """Validator of ReminderLog.kind: a registered kind."""
    if value not in _KINDS:
        raise ValidationError("%(value)s is not a kind of reminder", params={"value": value})


def validate_turned_off(value) -> None:
    """Validator of User.reminders_turned_off: a list of kinds a member may
    turn off."""
    allowed = {name for name, _label in choices_to_turn_off()}
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Choose emails from the list")
    if set(value) - allowed:
        raise ValidationError("Choose emails from the list")


# --- The events that call for reminders, and their planners ------------------

_PLANNERS: dict[str, str] = {}  # event -> the dotted name of the function that plans it


def planner(event: str) -> Callable[[Callable], Callable]:
    """Decorator: the function plans the reminders of one event, given the
    ids its requests carry (decisions.reminders.decision_proposed(decision_id),
    ...). It must be idempotent and take a fixed number of queries, whatever
    the number of members."""

    def register_planner(function: Callable) -> Callable:
        _PLANNERS[event] = f"{function.__module__}.{function.__qualname__}"
        return function

    return register_planner


def validate_event(value: str) -> None:
    """Validator of PlanningRequest.event: an event with a planner."""
    if value not in _PLANNERS:
        raise ValidationError("%(value)s is not an event with a planner", params={"value": value})


def planner_for(event: str) -> Callable:
    """The planner of an event, found by its name each time (as Celery finds
    a task), so whatever stands at that name then is what runs: a stand-in
    put there by a test included."""
    try:
        name = _PLANNERS[event]
    except KeyError:
        raise LookupError(f"No planner is registered for {event!r}") from None
    return import_string(name)


def has_planner(event: str) -> bool:
    return event in _PLANNERS


def events() -> list[str]:
    """Every event with a planner."""
    return sorted(_PLANNERS)
