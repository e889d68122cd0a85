"""The admin dashboard is scoped like the site: one rule, in one place.

Being a manager of an organisation (Organisation.objects.managed_by: the
organisations someone manages, every one for a superuser) is what lets a
person into the admin dashboard and what it shows them. A manager needs no
model permissions granted one by one, no superuser flag, and not even the
staff flag. Every ModelAdmin and inline of Coproduce's own models mixes in
ManagedByOrganisation, which names the path from its model to the
organisation and so scopes each list, change page, inline, filter, search,
autocomplete, action and foreign-key choice to the organisations the person
manages. Another organisation's object answers 404, as a private project
does on the site.
A member of staff who manages no organisation may sign in, and sees nothing.

Anonymity holds here for everyone, superusers included: a model that keeps
anonymous answers (LadderAnswer, Vote) names the field that says whose answer
it is (ANSWERED_BY), and no query-string filter may go through that field or
into such a model from another, so no list narrows answers to one member.
"""

from django.contrib.admin.exceptions import NotRegistered
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404

from projects.models import Organisation

NOT_FOUND = "There is nothing here, or it belongs to an organisation you do not manage."


def sees_everything(request) -> bool:
    """A superuser runs the site: every organisation is theirs to manage."""
    user = request.user
    return user.is_active and user.is_superuser


def manages_any(request) -> bool:
    """Whether this person manages at least one organisation (a superuser
    counts): their permission for every scoped admin page. Worked out once
    per request and person."""
    user = request.user
    cached = getattr(request, "_coproduce_manages_any", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    answer = sees_everything(request) or Organisation.objects.managed_by(user).exists()
    request._coproduce_manages_any = (user.pk, answer)
    return answer


def may_use_admin(request) -> bool:
    """Who may sign in to the admin dashboard at all: active staff (who see
    only what they manage) and active managers of an organisation."""
    user = request.user
    return user.is_active and (user.is_staff or manages_any(request))


def managed_organisations(request):
    return Organisation.objects.managed_by(request.user)


def error_words(error: Exception) -> str:
    """What a service's refusal says, for an admin action's message: a
    ValidationError's messages, or a PermissionDenied's words."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def links_member_to_answer(model, path: str) -> bool:
    """Whether a lookup path from ``model`` (a query-string filter, a sort
    column, a search field) goes into a model of anonymous answers from
    another model, or through the field that says whose answer it is."""
    for part in path.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup such as "exact", or a transform: the path ends
        if field.name == getattr(model, "ANSWERED_BY", None):
            return True
        target = field.related_model
        if target is None:
            return False
        if target is not model and hasattr(target, "ANSWERED_BY"):
            return True
        model = target
    return False


class ManagedByOrganisation:
    """Mix into a ModelAdmin or an inline, before the Django base class.

    ``organisation_path`` is the lookup from the model to its organisation
    ("project__organisation"; "pk" for Organisation itself); an admin whose
    rows reach organisations by more than one path (people) overrides
    scope() instead. Read-only rules of an admin (has_change_permission
    returning False, say) are kept by defining them on the admin class,
    which comes first."""

    organisation_path: str

    def scope(self, request, queryset):
        """The rows of the organisations this person manages."""
        if sees_everything(request):
            return queryset
        return queryset.filter(**{f"{self.organisation_path}__in": managed_organisations(request)})

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        """Another organisation's object, like a missing one, is a 404 (not
        Django's redirect with "does not exist", which would say whether it
        exists)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(NOT_FOUND)
        return obj

    # Permission is managing an organisation, not Django's model permissions:
    # the queryset above decides which rows.

    def has_module_permission(self, request):
        return manages_any(request)

    def has_view_permission(self, request, obj=None):
        return manages_any(request)

    def has_add_permission(self, request, obj=None):
        return manages_any(request)

    def has_change_permission(self, request, obj=None):
        return manages_any(request)

    def has_delete_permission(self, request, obj=None):
        return manages_any(request)

    def lookup_allowed(self, lookup, value, request):
        if links_member_to_answer(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def _scoped_choices(self, db_field, request, kwargs):
        """Choices come from the related model's admin, scoped the same way;
        a model without a scoped admin offers nothing but to a superuser."""
        if "queryset" in kwargs:
            return kwargs
        model = db_field.remote_field.model
        try:
            related_admin = self.admin_site.get_model_admin(model)
        except NotRegistered:
            related_admin = None
        if isinstance(related_admin, ManagedByOrganisation):
            choices = related_admin.get_queryset(request)
            ordering = related_admin.get_ordering(request)
            kwargs["queryset"] = choices.order_by(*ordering) if ordering else choices
        elif not sees_everything(request):
            kwargs["queryset"] = model._default_manager.none()
        return kwargs
