"""Time given and claims in the admin dashboard, scoped like every other
admin page (projects/admin_scoping.py): a manager sees only the
organisations they manage; another organisation's claim is a 404. Read
only: changes go through the project's pages and their services, which keep
each claim's history (ClaimEvent), shown on the claim."""

from django.contrib import admin

from projects.admin_scoping import ManagedByOrganisation
from projects.time_given.models import Claim, ClaimEvent, Contribution, RecognitionPolicy


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contribution)
class ContributionAdmin(ReadOnly, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "membership__project__organisation"
    list_display = ["membership", "kind", "date", "minutes", "status"]
    list_filter = ["status", "kind", ("membership__project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["membership__user__display_name", "membership__project__name", "note"]
    list_select_related = ["membership__user", "membership__project"]
    fields = [
        "membership",
        "kind",
        "date",
        "minutes",
        "note",
        "status",
        "logged_by",
        "created_at",
        "checked_at",
    ]
    readonly_fields = fields


@admin.register(RecognitionPolicy)
class RecognitionPolicyAdmin(ReadOnly, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "project__organisation"
    list_display = ["project", "value", "rate", "as_payment", "as_voucher", "travel_costs"]
    list_select_related = ["project"]
    fields = [
        "project",
        "value",
        "rate",
        "as_payment",
        "as_voucher",
        "travel_costs",
        "details",
        "updated_at",
        "updated_by",
    ]
    readonly_fields = fields


class ClaimEventInline(ReadOnly, ManagedByOrganisation, admin.TabularInline):
    model = ClaimEvent
    organisation_path = "claim__contribution__membership__project__organisation"
    fields = ["at", "actor", "what", "before", "after"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Claim)
class ClaimAdmin(ReadOnly, ManagedByOrganisation, admin.ModelAdmin):
    organisation_path = "contribution__membership__project__organisation"
    list_display = ["__str__", "claimant", "project", "amount", "currency", "status"]
    list_filter = [
        "status",
        "how",
        ("contribution__membership__project__organisation", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["contribution__membership__user__display_name"]
    list_select_related = ["contribution__membership__user", "contribution__membership__project"]
    fields = [
        "contribution",
        "how",
        "status",
        "currency",
        "for_time",
        "travel_costs",
        "amount",
        "reason",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [ClaimEventInline]

    @admin.display(ordering="contribution__membership__user__display_name")
    def claimant(self, claim):
        return claim.contribution.membership.user

    @admin.display(ordering="contribution__membership__project__name")
    def project(self, claim):
        return claim.contribution.membership.project
