"""The admin dashboard for decisions. Read-only: every change goes through
decisions.services (the "close now" and "hide" actions call them). Each page
shows only the organisations the person manages (projects/admin_scoping.py).

Anonymous decisions never show who voted how here: there is no Vote admin (its
list could be filtered or sorted by choice), a decision's votes appear inline
with their choices only when the decision is not anonymous, and no filter goes
into votes (?votes__choice=... is refused)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html_join

from decisions import services
from decisions.models import Comment, Decision, Option, Outcome, Vote
from decisions.results import (
    SPLIT_HIDDEN,
    result_rows,
    result_summary,
    shows_split,
    votes_hidden,
)
from projects.admin_scoping import ManagedByOrganisation, error_words


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OptionInline(ReadOnlyMixin, ManagedByOrganisation, admin.TabularInline):
    model = Option
    organisation_path = "decision__project__organisation"
    fields = ["position", "text"]
    extra = 0


class NamedVoteInline(ReadOnlyMixin, ManagedByOrganisation, admin.TabularInline):
    """Votes with their choices: for decisions that show names."""

    model = Vote
    organisation_path = "decision__project__organisation"
    fields = [
        "member",
        "choice",
        "option",
        "reason",
        "channel",
        "recorded_by",
        "assisted",
        "supporter",
        "updated_at",
    ]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "votes (this decision shows names)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member__user", "option", "recorded_by")


class AnonymousVoteInline(NamedVoteInline):
    """Who voted, never how: for anonymous decisions."""

    fields = ["member", "channel", "recorded_by", "assisted", "supporter"]
    readonly_fields = fields
    verbose_name_plural = "who voted (anonymous: how they voted is not shown)"

    def get_queryset(self, request):
        # In name order, so the order cannot be matched with anything else.
        return super().get_queryset(request).order_by("member__user__display_name", "pk")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = ["title", "project", "stage", "kind", "status", "result", "closes_at"]
    list_filter = [
        "status",
        "result",
        "kind",
        "is_anonymous",
        ("project", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["project", "stage"]
    search_fields = ["title", "project__name"]
    date_hierarchy = "closes_at"
    actions = ["close_now"]
    fields = [
        "project",
        "stage",
        "proposer",
        "title",
        "description",
        "easy_words",
        "kind",
        "closes_at",
        "quorum_percent",
        "pass_rule",
        "is_anonymous",
        "status",
        "closed_at",
        "closed_by",
        "close_reason",
        "result",
        "quorum_met",
        "chosen_option",
        "counted_votes",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if not obj.is_anonymous:
            return [OptionInline, NamedVoteInline]
        # Anonymous: who voted is named only once it has closed with enough
        # votes to keep each vote secret (see decisions/kinds.py).
        if obj.is_open or votes_hidden(obj):
            return [OptionInline]
        return [OptionInline, AnonymousVoteInline]

    @admin.display(description="Counted votes")
    def counted_votes(self, obj):
        """The stored tally in words, as members see it: for an anonymous
        decision with small groups, without the split that could show how
        someone voted (the raw tally is not shown here)."""
        if obj.is_open:
            if obj.is_anonymous:
                voted = obj.votes.count()
                return f"Counted when the decision closes. {voted} voted so far."
            return "Counted when the decision closes."
        lines = [result_summary(obj)]
        rows = result_rows(obj)
        split = shows_split(obj)
        for row in rows:
            line = f"{row['label']}: {row['total']}"
            if split:
                line += f" (participants {row['participant']}, professionals {row['professional']})"
            lines.append(line)
        if rows and not split:
            lines.append(SPLIT_HIDDEN)
        return format_html_join("", "<p>{}</p>", ((line,) for line in lines))

    def has_close_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="Close the selected decisions now", permissions=["close"])
    def close_now(self, request, queryset):
        closed = 0
        for decision in queryset.filter(status=Decision.Status.OPEN).select_related("project"):
            try:
                services.decision_close_early(
                    actor=request.user,
                    decision=decision,
                    reason=f"Closed from the admin dashboard by {request.user}.",
                )
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, f"{decision}: {error_words(error)}", messages.ERROR)
            else:
                closed += 1
        self.message_user(request, f"Closed {closed} decision(s).", messages.SUCCESS)


class HideReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are these comments hidden? Members will see this reason.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(Comment)
class CommentAdmin(ReadOnlyMixin, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "decision__project__organisation"
    list_display = ["decision", "author", "created_at", "edited_at", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    list_select_related = ["decision", "author__user"]
    search_fields = ["body", "decision__title"]
    actions = ["hide"]
    fields = [
        "decision",
        "author",
        "body",
        "created_at",
        "edited_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    readonly_fields = fields

    def has_hide_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(
        description="Hide the selected comments (asks for a reason)", permissions=["hide"]
    )
    def hide(self, request, queryset):
        form = HideReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            hidden = 0
            for comment in queryset.filter(hidden_at__isnull=True):
                try:
                    services.comment_hide(
                        actor=request.user, comment=comment, reason=form.cleaned_data["reason"]
                    )
                except (ValidationError, PermissionDenied) as error:
                    self.message_user(request, f"{comment}: {error_words(error)}", messages.ERROR)
                else:
                    hidden += 1
            self.message_user(request, f"Hid {hidden} comment(s).", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "decisions/admin/hide_comments.html",
            {
                **self.admin_site.each_context(request),
                "title": "Hide comments",
                "form": form,
                "comments": queryset.select_related("author__user"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyMixin, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "decision__project__organisation"
    list_display = ["decision", "who", "by_when", "written_by", "updated_at"]
    list_select_related = ["decision", "written_by"]
    search_fields = ["statement", "who", "decision__title"]
    fields = ["decision", "statement", "who", "by_when", "easy_words", "written_by", "updated_at"]
    readonly_fields = fields
