"""The admin dashboard for people, invitations and reminders, scoped to the
organisations the person manages (projects/admin_scoping.py).

A manager sees the people of their organisations (members and former members
of its projects, and its managers) but changes no one's account: an account
may be in another organisation's projects too, and its email address is how
its owner signs in. Only a superuser adds or changes accounts, makes someone
staff or a superuser, or grants permissions. Access needs and strengths are
not shown here to anyone: only the member and the facilitators of their
projects see them, on the project's pages."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP

from participants.invitations import services as invitations
from participants.models import Invitation, ReminderLog, User
from participants.reminders.registry import choices_to_turn_off, kind_choices
from participants.reminders.scheduling import reminders_retry
from participants.reminders.sending import MAX_ATTEMPTS
from projects.admin_scoping import ManagedByOrganisation, managed_organisations, sees_everything


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserChangeAdminForm(UserChangeForm):
    # Built from the registry of reminder kinds, like the member's own form.
    reminders_turned_off = forms.MultipleChoiceField(
        label="Reminder emails turned off",
        choices=choices_to_turn_off,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = User
        fields = "__all__"


_DISPLAY = ("Display", {"fields": ["text_size", "contrast", "reduced_motion"]})
_REMINDERS = (
    "Reminder emails",
    {
        "fields": [
            "reminder_format",
            "reminder_timing",
            "digest_time",
            "digest_weekday",
            "timezone",
            "reminders_turned_off",
        ]
    },
)
_DATES = ("Dates", {"fields": ["last_login", "date_joined"]})


@admin.register(User)
class UserAdmin(ManagedByOrganisation, DjangoUserAdmin):
    # Plain lists to choose from: Django's two-box widget names its search
    # boxes with aria-label on a span, which screen readers cannot use.
    filter_horizontal = ()
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["display_name"]
    list_display = ["display_name", "email", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["display_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "display_name", "password"]}),
        _DISPLAY,
        _REMINDERS,
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        _DATES,
    ]
    # What a manager who is not a superuser sees (read only): no password
    # hash, no staff or superuser flags, no permissions.
    manager_fieldsets = [
        (None, {"fields": ["email", "display_name"]}),
        _DISPLAY,
        _REMINDERS,
        ("Account", {"fields": ["is_active"]}),
        _DATES,
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "usable_password", "password1", "password2"],
            },
        ),
    ]

    # Only the member and the facilitators of their projects see these, on
    # the project's pages: never shown here, nor filtered on (?access_needs=).
    private_fields = ("access_needs", "access_needs_other", "strengths", "contact_details")

    def lookup_allowed(self, lookup, value, request):
        if lookup.split(LOOKUP_SEP)[0] in self.private_fields:
            return False
        return super().lookup_allowed(lookup, value, request)

    def scope(self, request, queryset):
        """Members and former members of the projects of the organisations
        this person manages, and the managers of those organisations."""
        if sees_everything(request):
            return queryset
        organisations = managed_organisations(request)
        people = User.objects.filter(
            Q(memberships__project__organisation__in=organisations)
            | Q(managed_organisations__in=organisations)
        )
        return queryset.filter(pk__in=people.values("pk"))

    def has_add_permission(self, request):
        return sees_everything(request)

    def has_change_permission(self, request, obj=None):
        return sees_everything(request)

    def has_delete_permission(self, request, obj=None):
        return sees_everything(request)

    def get_fieldsets(self, request, obj=None):
        if sees_everything(request):
            return super().get_fieldsets(request, obj)
        return self.manager_fieldsets

    def get_list_display(self, request):
        if sees_everything(request):
            return self.list_display
        return [name for name in self.list_display if name != "is_staff"]

    def get_list_filter(self, request):
        if sees_everything(request):
            return self.list_filter
        return [name for name in self.list_filter if name != "is_staff"]


class KindFilter(admin.SimpleListFilter):
    """Filter by kind of reminder, with the kinds' labels from the registry."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ReminderLog)
class ReminderLogAdmin(ManagedByOrganisation, admin.ModelAdmin):
    """Every reminder sent or waiting. Reminders that failed after all their
    tries are counted at the top of the list; "Try again" puts them back."""

    organisation_path = "project__organisation"
    list_display = [
        "kind_label",
        "recipient",
        "project",
        "due_at",
        "send_after",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = [
        "status",
        KindFilter,
        "in_digest",
        ("project", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["user", "project"]
    search_fields = ["email", "user__email", "user__display_name", "object_key", "last_error"]
    date_hierarchy = "due_at"
    ordering = ["-due_at", "-pk"]
    actions = ["try_again"]
    readonly_fields = [
        "user",
        "email",
        "kind_label",
        "object_key",
        "due_at",
        "send_after",
        "project",
        "status",
        "in_digest",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "created_at",
    ]

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, reminder):
        return reminder.kind_label

    @admin.display(description="to")
    def recipient(self, reminder):
        return reminder.user.email if reminder.user else reminder.email

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return self.has_view_permission(request)

    def changelist_view(self, request, extra_context=None):
        failed = self.get_queryset(request).filter(status=ReminderLog.Status.FAILED).count()
        if failed and request.method == "GET":
            messages.warning(
                request,
                f"{failed} reminder{'s' if failed != 1 else ''} could not be sent after "
                f"{MAX_ATTEMPTS} tries. Filter by status “Failed: gave up” to see "
                "them and why, then choose “Try again” once the cause is fixed.",
            )
        return super().changelist_view(request, extra_context)

    @admin.action(
        description="Try again to send the chosen failed reminders", permissions=["retry"]
    )
    def try_again(self, request, queryset):
        count = reminders_retry(reminders=queryset, actor=request.user)
        self.message_user(request, f"{count} failed reminder{'s' if count != 1 else ''} queued.")


@admin.register(Invitation)
class InvitationAdmin(ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = [
        "email",
        "project",
        "label",
        "is_facilitator",
        "status",
        "invited_by",
        "created_at",
    ]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter), "label", "is_facilitator"]
    list_select_related = ["project", "invited_by"]
    search_fields = ["email", "project__name"]
    ordering = ["-created_at", "-pk"]
    actions = ["cancel"]
    readonly_fields = [
        "public_id",
        "project",
        "email",
        "label",
        "is_facilitator",
        "invited_by",
        "created_at",
        "expires_at",
        "last_sent_at",
        "send_count",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
        "declined_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="Cancel the chosen invitations", permissions=["cancel"])
    def cancel(self, request, queryset):
        cancelled = 0
        for invitation in queryset.filter(Q(accepted_at__isnull=True)):
            try:
                invitations.invitation_revoke(invitation=invitation, actor=request.user)
            except (PermissionDenied, ValidationError):
                continue
            cancelled += 1
        self.message_user(
            request, f"{cancelled} invitation{'s' if cancelled != 1 else ''} cancelled."
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's groups (superusers only: Coproduce's roles come from projects
    and organisations), with a plain list of permissions for the same reason
    as the people's page."""

    filter_horizontal = ()
