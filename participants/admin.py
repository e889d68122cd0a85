from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from participants import invitations, reminders
from participants.models import Invitation, ReminderLog, User
from projects.models import Organisation


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["display_name"]
    list_display = ["display_name", "email", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["display_name", "email"]
    fieldsets = [
        (None, {"fields": ["email", "display_name", "password"]}),
        ("Display", {"fields": ["text_size", "high_contrast", "reduced_motion"]}),
        ("About them", {"fields": ["access_needs", "access_needs_other", "strengths"]}),
        (
            "Reminder emails",
            {
                "fields": [
                    "reminder_format",
                    "reminder_timing",
                    "digest_time",
                    "digest_weekday",
                    "timezone",
                    "notify_new_decision",
                    "notify_closing_soon",
                    "notify_result",
                    "notify_stage",
                    "notify_vote_recorded",
                ]
            },
        ),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
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


def _managed_projects_only(queryset, request):
    """Superusers see everything; other staff (project managers) see the rows
    of their own organisations' projects."""
    if request.user.is_superuser:
        return queryset
    return queryset.filter(project__organisation__managers=request.user)


def _is_project_manager(request) -> bool:
    """A member of staff who manages an organisation's projects. Being named
    a project manager of an organisation is their permission to see (and
    act on) its projects' reminders and invitations here, without model
    permissions being granted one by one. Worked out once per request."""
    if not hasattr(request, "_coproduce_project_manager"):
        user = request.user
        request._coproduce_project_manager = bool(
            user.is_active and user.is_staff and Organisation.objects.filter(managers=user).exists()
        )
    return request._coproduce_project_manager


class ProjectManagersMayView:
    """Admin mixin: project managers may see their projects' rows."""

    def has_module_permission(self, request):
        return super().has_module_permission(request) or _is_project_manager(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or _is_project_manager(request)

    def get_queryset(self, request):
        return _managed_projects_only(super().get_queryset(request), request)


@admin.register(ReminderLog)
class ReminderLogAdmin(ProjectManagersMayView, admin.ModelAdmin):
    """Every reminder sent or waiting. Reminders that failed after all their
    tries are counted at the top of the list; "Try again" puts them back."""

    list_display = [
        "kind",
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
        "kind",
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
        "kind",
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

    @admin.display(description="to")
    def recipient(self, reminder):
        return reminder.user.email if reminder.user else reminder.email

    def has_add_permission(self, request):
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
                f"{reminders.MAX_ATTEMPTS} tries. Filter by status “Failed: gave up” to see "
                "them and why, then choose “Try again” once the cause is fixed.",
            )
        return super().changelist_view(request, extra_context)

    @admin.action(
        description="Try again to send the chosen failed reminders", permissions=["retry"]
    )
    def try_again(self, request, queryset):
        count = reminders.reminders_retry(reminders=queryset)
        self.message_user(request, f"{count} failed reminder{'s' if count != 1 else ''} queued.")


@admin.register(Invitation)
class InvitationAdmin(ProjectManagersMayView, admin.ModelAdmin):
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
