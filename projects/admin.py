"""The admin dashboard for organisations, projects, memberships, stages, the
ladder check and activity. Writes with rules go through projects.services:
saving a project or a stage, and every admin action. Each page shows only the
organisations the person manages (projects/admin_scoping.py). Ladder answers
stay anonymous here too: no member is shown next to a rung, and no filter
narrows the answers to one member."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q

from projects import ladder, services
from projects.admin_scoping import ManagedByOrganisation, error_words, sees_everything
from projects.forms import ProjectAdminForm
from projects.models import (
    Activity,
    LadderAnswer,
    Membership,
    Organisation,
    Project,
    Stage,
    site_currency,
)


def _report(modeladmin, request, done: int, problems: list[str], what: str) -> None:
    if done:
        modeladmin.message_user(request, f"{what}: {done}.", messages.SUCCESS)
    for problem in problems:
        modeladmin.message_user(request, problem, messages.ERROR)


class OrganisationAdminForm(forms.ModelForm):
    """The currency may be left as it is: a form sent without it (from
    before organisations had one) keeps the organisation's own."""

    class Meta:
        model = Organisation
        fields = ["name", "slug", "managers", "currency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False

    def clean_currency(self):
        return self.cleaned_data.get("currency") or self.instance.currency or site_currency()


@admin.register(Organisation)
class OrganisationAdmin(ManagedByOrganisation, admin.ModelAdmin):
    """A manager sees and edits the organisations they manage, and chooses
    their managers among the people of those organisations. Only a superuser
    adds or deletes an organisation."""

    organisation_path = "pk"
    form = OrganisationAdminForm
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # The managers are chosen from a plain list: Django's two-box widget
    # names its search boxes with aria-label on a span, which screen readers
    # cannot use, and the autocomplete widget has no label on its list.

    def has_add_permission(self, request):
        return sees_everything(request)

    def has_delete_permission(self, request, obj=None):
        return sees_everything(request)


class StageInline(ManagedByOrganisation, admin.TabularInline):
    model = Stage
    organisation_path = "project__organisation"
    fields = ["position", "name", "planned_start", "planned_end", "started_at", "ended_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["position", "pk"]

    def has_add_permission(self, request, obj=None):
        return False


class MembershipInline(ManagedByOrganisation, admin.TabularInline):
    model = Membership
    organisation_path = "project__organisation"
    fields = ["user", "label", "is_facilitator", "joined_at", "left_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "organisation"
    form = ProjectAdminForm
    list_display = ["name", "organisation", "status", "created_at"]
    list_filter = ["status", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "summary"]
    list_select_related = ["organisation"]
    readonly_fields = ["slug", "status", "created_at"]
    fields = [
        "organisation",
        "name",
        "slug",
        "summary",
        "audience",
        "starts_on",
        "ends_on",
        "timezone",
        "closing_reminder_hours",
        "status",
        "created_at",
    ]
    actions = ["advance_stage", "archive"]

    def has_delete_permission(self, request, obj=None):
        # Projects are archived, not deleted: the record is kept.
        return False

    def get_readonly_fields(self, request, obj=None):
        # A project stays with the organisation that started it.
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "organisation"] if obj else readonly

    def get_inlines(self, request, obj):
        # A new project gets its default stages from project_create.
        return [StageInline, MembershipInline] if obj else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in services.PROJECT_FIELDS if name in data}
        if change:
            services.project_update(project=obj, actor=request.user, **fields)
            return
        project = services.project_create(
            organisation=data["organisation"], actor=request.user, **fields
        )
        # The admin goes on to use obj (for the redirect and the log).
        obj.pk = project.pk
        obj.slug = project.slug
        obj.created_at = project.created_at
        obj._state.adding = False
        obj._state.db = project._state.db

    @admin.action(description="Move the selected projects to their next stage")
    def advance_stage(self, request, queryset):
        done, problems = 0, []
        for project in queryset:
            try:
                services.stage_advance(project=project, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                problems.append(f"{project}: {error_words(error)}")
            else:
                done += 1
        _report(self, request, done, problems, "Projects moved to their next stage")

    @admin.action(description="Archive the selected projects")
    def archive(self, request, queryset):
        done, problems = 0, []
        for project in queryset:
            try:
                services.project_archive(project=project, actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                problems.append(f"{project}: {error_words(error)}")
            else:
                done += 1
        _report(self, request, done, problems, "Projects archived")


@admin.register(Membership)
class MembershipAdmin(ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = ["user", "project", "label", "is_facilitator", "joined_at", "left_at"]
    list_filter = ["label", "is_facilitator", ("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__display_name", "user__email", "project__name"]
    list_select_related = ["user", "project"]
    readonly_fields = [
        "project",
        "user",
        "label",
        "is_facilitator",
        "joined_at",
        "left_at",
        "removed_by",
    ]
    actions = ["make_facilitator", "stop_facilitator", "remove_from_project"]

    def has_add_permission(self, request):
        # People join through an invitation.
        return False

    def has_delete_permission(self, request, obj=None):
        # Removing keeps the row, so past votes and comments stay attributed.
        return False

    def _each(self, request, queryset, action, what):
        done, problems = 0, []
        for membership in queryset.select_related("user", "project"):
            try:
                action(membership)
            except (ValidationError, PermissionDenied) as error:
                problems.append(f"{membership}: {error_words(error)}")
            else:
                done += 1
        _report(self, request, done, problems, what)

    @admin.action(description="Make the selected members facilitators")
    def make_facilitator(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.membership_set_facilitator(
                membership=m, is_facilitator=True, actor=request.user
            ),
            "Made facilitators",
        )

    @admin.action(description="Stop the selected members being facilitators")
    def stop_facilitator(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda m: services.membership_set_facilitator(
                membership=m, is_facilitator=False, actor=request.user
            ),
            "No longer facilitators",
        )

    @admin.action(description="Remove the selected members from their project")
    def remove_from_project(self, request, queryset):
        self._each(
            request,
            queryset.filter(left_at__isnull=True),
            lambda m: services.membership_remove(membership=m, actor=request.user),
            "Removed from their project",
        )


@admin.register(Stage)
class StageAdmin(ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = ["name", "project", "position", "started_at", "ended_at"]
    list_filter = [("project__organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "project__name"]
    list_select_related = ["project"]
    ordering = ["project", "position"]
    fields = [
        "project",
        "position",
        "name",
        "aims",
        "planned_start",
        "planned_end",
        "what_was_done",
        "outcomes",
        "started_at",
        "started_by",
        "ended_at",
        "ended_by",
    ]
    readonly_fields = [
        "project",
        "position",
        "started_at",
        "started_by",
        "ended_at",
        "ended_by",
    ]

    def has_add_permission(self, request):
        # Facilitators add stages on the project's stages page.
        return False

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.STAGE_FIELDS}
        services.stage_update(stage=obj, actor=request.user, **fields)

    def delete_model(self, request, obj):
        services.stage_remove(stage=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Stages that have started stay in the record of the project.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_future)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        # Deleting many at once would skip the rule that started stages stay.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


@admin.register(LadderAnswer)
class LadderAnswerAdmin(ManagedByOrganisation, admin.ModelAdmin):
    """Anonymous: the member is never shown next to their rung, and no
    filter, search or sort goes through the member (lookup_allowed refuses
    ?membership=...). There is no search box: a search by name would have to
    go through the member."""

    organisation_path = "stage__project__organisation"
    list_display = ["stage", "project", "rung"]
    list_filter = ["rung", ("stage__project", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["stage__project"]
    fields = ["stage", "rung", "comment"]
    readonly_fields = fields
    # Never in the order people answered: that order could be matched with
    # who was seen answering when.
    ordering = ["stage__project__name", "stage__position", "rung", "comment"]

    def get_queryset(self, request):
        """Only answers of stages whose results the project pages show to
        members too (projects.ladder): answers closed, and at least
        MIN_ANSWERS_TO_SHOW answers. While a stage is current, a list that grows by one
        row at a time would give each new answer away."""
        open_now = Q(
            stage__started_at__isnull=False,
            stage__ended_at__isnull=True,
            stage__project__status=Project.Status.ACTIVE,
        )
        closed_with_enough = (
            Stage.objects.filter(started_at__isnull=False)
            .exclude(ended_at__isnull=True, project__status=Project.Status.ACTIVE)
            .annotate(answers=Count("ladder_answers"))
            .filter(answers__gte=ladder.MIN_ANSWERS_TO_SHOW)
        )
        return (
            super()
            .get_queryset(request)
            .exclude(open_now)
            .filter(stage__in=closed_with_enough.values("pk"))
        )

    @admin.display(ordering="stage__project__name")
    def project(self, answer):
        return answer.stage.project

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = ["summary", "project", "actor", "created_at"]
    list_filter = [("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["summary"]
    list_select_related = ["project", "actor"]
    date_hierarchy = "created_at"
    fields = ["project", "actor", "summary", "url", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The record of what happened is kept.
        return False


# Time given, recognition policies and claims (projects/time_given/admin.py).
import projects.time_given.admin  # noqa: E402, F401
