"""Pages for time given and claims. Thin: access, a selector, a form sent to
a service (coproduce.views.save_if_valid), a template.

Access, as on every project page: signed out, the sign-in page; signed in
but neither a current member nor a manager of the organisation, 404.
Members who are not facilitators get 403 on the facilitators' pages. A
claim is seen by the participant who made it, the project's facilitators
and the organisation's managers: anyone else, other members included,
gets 404. The managers' claims pages answer 404 to anyone who manages no
organisation, and show only the organisations they manage."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from coproduce.pagination import paged
from coproduce.spreadsheets import SafeWriter
from coproduce.views import posted, save_if_valid
from projects.models import Membership, Organisation
from projects.permissions import ProjectAccess, project_access_or_404
from projects.templatetags.time_tags import duration_words
from projects.time_given import money, selectors, services
from projects.time_given.forms import (
    CheckForm,
    ClaimForm,
    ContributionForm,
    DecideForm,
    FindMemberForm,
    MeetingForm,
    PaidForm,
    PolicyForm,
)
from projects.time_given.models import Claim, Contribution
from projects.time_given.permissions import ClaimAccess

# Rows each round of queries reads for a CSV download.
CSV_CHUNK = 500
# The services call a duration "minutes"; the forms, "duration".
DURATION = {"minutes": "duration"}


def _page(request, template: str, access: ProjectAccess, **context):
    return render(request, template, {"access": access, "project": access.project, **context})


def _facilitate_or_403(access: ProjectAccess) -> None:
    if not access.can_facilitate:
        raise PermissionDenied("Only facilitators and project managers can do this.")


class _Echo:
    def write(self, value):
        return value


def _csv(rows, filename: str) -> StreamingHttpResponse:
    writer = SafeWriter(_Echo())

    def lines():
        yield "\ufeff"  # A byte order mark, so spreadsheets read UTF-8.
        for row in rows():
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the project's time given -------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def time_given(request, slug):
    access = project_access_or_404(request.user, slug)
    page = selectors.time_given_page(
        project=access.project,
        membership=access.membership,
        facilitates=access.can_facilitate,
        query=request.GET,
    )
    return _page(
        request,
        "projects/time_given/time_given.html",
        access,
        **page,
        currency=access.project.organisation.currency,
        ways=services.ways_to_take(page["policy"]),
        is_participant=(
            access.membership is not None
            and access.membership.label == Membership.Label.PARTICIPANT
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_log(request, slug):
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise PermissionDenied("Only members can log the time they gave.")
    form = ContributionForm(posted(request))
    if save_if_valid(
        request,
        form,
        lambda data: services.contribution_log(
            membership=access.membership,
            kind=data["kind"],
            date=data["date"],
            minutes=data["duration"],
            note=data["note"],
            actor=request.user,
        ),
        field_map=DURATION,
    ):
        messages.success(request, "Thank you. Your time is saved.")
        return redirect("time:project", slug=slug)
    return _page(request, "projects/time_given/log.html", access, form=form)


def _meeting_members(request, access, form=None) -> dict:
    """Who a facilitator can tick: every current member when there are few,
    or those a search by name found (at most MEETING_MATCHES)."""
    project = access.project
    data = request.POST if form is not None else request.GET
    search = FindMemberForm({"find": data["find"]}) if data.get("find") else None
    if form is None and "find" in request.GET:
        search = FindMemberForm(request.GET)  # a blank search gets its error
    find = search.cleaned_data["find"] if search is not None and search.is_valid() else ""
    if find:
        choices = selectors.meeting_choices(
            project=project, find=find, limit=selectors.MEETING_MATCHES
        )
    else:
        choices = selectors.meeting_choices(project=project, limit=selectors.MEETING_ALL_UP_TO)
        if len(choices) > selectors.MEETING_ALL_UP_TO:
            choices, search = [], search or FindMemberForm()
    more = len(choices) > selectors.MEETING_MATCHES
    choices = choices[: selectors.MEETING_MATCHES]
    members = Membership.objects.current().filter(project=project).select_related("user")
    if form is None:
        form = MeetingForm(members=members, choices=choices)
    else:
        chosen = list(getattr(form, "cleaned_data", {}).get("attendees") or [])
        shown = {choice.pk for choice in choices}
        form.show_members([member for member in chosen if member.pk not in shown] + choices)
    return {
        "form": form,
        "search": search,
        "find": find,
        "found": len(choices),
        "more": more,
        "matches": selectors.MEETING_MATCHES,
        "can_choose": bool(form.fields["attendees"].widget.choices),
    }


@login_required
@require_http_methods(["GET", "POST"])
def meeting_log(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    form = None
    if request.method == "POST":
        form = MeetingForm(
            request.POST,
            members=Membership.objects.current()
            .filter(project=access.project)
            .select_related("user"),
        )
        saved = save_if_valid(
            request,
            form,
            lambda data: services.meeting_log(
                project=access.project,
                attendees=list(data["attendees"]),
                date=data["date"],
                minutes=data["duration"],
                note=data["note"],
                actor=request.user,
            ),
            field_map=DURATION,
        )
        if saved:
            count = len(saved.result)
            messages.success(
                request,
                f"The meeting is logged for {count} {'person' if count == 1 else 'people'}. "
                "Each of them is asked to check it.",
            )
            return redirect("time:project", slug=slug)
    return _page(
        request,
        "projects/time_given/meeting.html",
        access,
        **_meeting_members(request, access, form),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_check(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise Http404("No such time")
    contribution = get_object_or_404(
        Contribution.objects.select_related("logged_by"), membership=access.membership, pk=pk
    )
    if contribution.status != Contribution.Status.WAITING:
        messages.info(request, "You have checked this already.")
        return redirect("time:project", slug=slug)
    form = CheckForm(
        posted(request), initial={"duration": contribution.minutes, "note": contribution.note}
    )
    saved = save_if_valid(
        request,
        form,
        lambda data: services.contribution_check(
            contribution=contribution,
            was_there=data["was_there"] == "yes",
            minutes=data.get("duration"),
            note=data.get("note"),
            actor=request.user,
        ),
        field_map=DURATION,
    )
    if saved:
        if saved.result.is_confirmed:
            messages.success(request, "Thank you. Your time is confirmed.")
        else:
            messages.success(request, "Thank you. We have noted that you were not there.")
        return redirect("time:project", slug=slug)
    return _page(
        request, "projects/time_given/check.html", access, form=form, contribution=contribution
    )


# --- what the project offers, and claims ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    project = access.project
    currency = project.organisation.currency
    policy = selectors.policy_of(project)
    initial = {}
    if policy is not None:
        initial = {
            "value": policy.value,
            "rate": money.plain(policy.rate, currency) if policy.rate else "",
            "ways": [
                way
                for way, on in (("payment", policy.as_payment), ("voucher", policy.as_voucher))
                if on
            ],
            "travel_costs": policy.travel_costs,
            "details": policy.details,
        }
    form = PolicyForm(posted(request), currency=currency, initial=initial)
    if save_if_valid(
        request,
        form,
        lambda _: services.policy_save(
            project=project, actor=request.user, **form.service_arguments()
        ),
    ):
        messages.success(request, "What the project offers is saved.")
        return redirect("time:project", slug=slug)
    return _page(request, "projects/time_given/policy.html", access, form=form, currency=currency)


@login_required
@require_http_methods(["GET", "POST"])
def claim_make(request, slug, pk):
    """A participant chooses what they would like for one line of time."""
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise Http404("No such time")
    contribution = get_object_or_404(
        Contribution.objects.select_related("claim"),
        membership=access.membership,
        pk=pk,
        status=Contribution.Status.CONFIRMED,
    )
    if access.membership.label != Membership.Label.PARTICIPANT:
        raise Http404("Only participants claim for their time")
    claim = getattr(contribution, "claim", None)
    if claim is not None and claim.status not in (Claim.Status.WAITING, Claim.Status.DECLINED):
        return redirect("time:claim", slug=slug, pk=claim.pk)
    project = access.project
    policy = selectors.policy_of(project)
    ways = services.ways_to_take(policy)
    if not ways:
        raise Http404("This project offers nothing for time given")
    currency = claim.currency if claim else project.organisation.currency
    initial = {}
    if claim is not None:
        initial = {"how": claim.how}
        if claim.travel_costs:
            initial["travel_costs"] = money.plain(claim.travel_costs, currency)
    form = ClaimForm(
        posted(request),
        ways=ways,
        currency=currency,
        travel_costs=policy.travel_costs,
        initial=initial,
    )
    saved = save_if_valid(
        request,
        form,
        lambda _: services.claim_make(
            contribution=contribution, actor=request.user, **form.service_arguments()
        ),
    )
    if saved:
        if saved.result.how == Claim.How.DECLINED:
            messages.success(request, "Thank you. You said no thanks. You can change your mind.")
        else:
            messages.success(request, "Your claim is sent. A facilitator will look at it.")
        return redirect("time:project", slug=slug)
    return _page(
        request,
        "projects/time_given/claim_form.html",
        access,
        form=form,
        contribution=contribution,
        claim=claim,
        policy=policy,
        currency=currency,
        for_time=services.for_time(policy, contribution, currency),
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def project_claims(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    claims = paged(selectors.project_claims(project=access.project), request.GET)
    return _page(request, "projects/time_given/claims.html", access, claims=claims)


@login_required
@require_http_methods(["GET", "POST"])
def claim_detail(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    claim = selectors.claim_in_project(project=access.project, pk=pk)
    if claim is None:
        raise Http404("No such claim")
    claim_access = ClaimAccess(access, claim.contribution.membership)
    if not claim_access.can_see:
        raise Http404("No such claim")
    may_decide = (
        claim.status == Claim.Status.WAITING and access.can_facilitate and not claim_access.is_own
    )
    form = DecideForm(posted(request)) if may_decide else None
    if request.method == "POST":
        if form is None:
            if claim.status != Claim.Status.WAITING:
                messages.error(
                    request,
                    f"This claim is {claim.get_status_display().lower()} already, "
                    "so it was not changed.",
                )
                return redirect("time:claim", slug=slug, pk=pk)
            raise PermissionDenied("Only facilitators can approve claims, and never their own.")
        if save_if_valid(
            request,
            form,
            lambda data: services.claim_decide(
                claim=claim,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                actor=request.user,
            ),
        ):
            messages.success(request, "Your answer is saved.")
            return redirect("time:claims", slug=slug)
    events = list(claim.events.select_related("actor"))
    return _page(
        request,
        "projects/time_given/claim.html",
        access,
        claim=claim,
        events=events,
        form=form,
        is_own=claim_access.is_own,
    )


# --- a member's own history, across projects -------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def your_time(request):
    return render(
        request,
        "projects/time_given/your_time.html",
        selectors.history_page(user=request.user, query=request.GET),
    )


HISTORY_HEADER = [
    "Date",
    "Project",
    "Organisation",
    "What I did",
    "How long",
    "Minutes",
    "Note",
    "Checked",
    "Recognition",
    "Amount",
    "Currency",
]


def history_row(line: Contribution) -> list:
    project = line.membership.project
    claim = getattr(line, "claim", None)
    recognition, amount, currency = "", "", ""
    if claim is not None:
        recognition = f"{claim.get_how_display()}: {claim.get_status_display()}"
        if claim.how != Claim.How.DECLINED:
            amount, currency = money.plain(claim.amount, claim.currency), claim.currency
    return [
        line.date.isoformat(),
        project.name,
        project.organisation.name,
        line.get_kind_display(),
        duration_words(line.minutes),
        line.minutes,
        line.note,
        "Yes" if line.is_confirmed else "Not yet",
        recognition,
        amount,
        currency,
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def your_time_csv(request):
    """The member's time given, for a CV, a reference or benefits forms:
    streamed, read CSV_CHUNK lines at a time."""
    lines = selectors.history(user=request.user)

    def rows():
        yield HISTORY_HEADER
        for line in lines.iterator(chunk_size=CSV_CHUNK):
            yield history_row(line)

    return _csv(rows, f"time-given-{timezone.localdate().isoformat()}.csv")


# --- the organisation's managers: approved claims ---------------------------------------


class ClaimFilterForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        error_messages={"invalid_choice": "Choose one of the organisations you manage"},
    )
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("approved", "Approved, waiting to be paid"), ("paid", "Paid")],
        error_messages={"invalid_choice": "Choose approved or paid claims"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["organisation"].choices = [("", "All my organisations")] + [
            (organisation.slug, organisation.name) for organisation in organisations
        ]

    def chosen(self) -> tuple[list[Organisation], str]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        slug = data.get("organisation", "")
        chosen = [o for o in self.organisations if o.slug == slug] or self.organisations
        return chosen, data.get("status") or Claim.Status.APPROVED


def _managed_or_404(user) -> list[Organisation]:
    organisations = list(Organisation.objects.managed_by(user).order_by("name", "pk"))
    if not organisations:
        raise Http404("You do not manage an organisation")
    return organisations


@login_required
@require_http_methods(["GET", "POST"])
def manager_claims(request):
    organisations = _managed_or_404(request.user)
    has_filter = any(key in request.GET for key in ("organisation", "status"))
    filters = ClaimFilterForm(request.GET if has_filter else None, organisations=organisations)
    chosen, status = filters.chosen()
    claims = selectors.organisation_claims(organisations=chosen, status=status)
    page = paged(claims, request.GET)
    approved = selectors.organisation_claims(organisations=organisations)
    form = PaidForm(posted(request), claims=approved)
    saved = save_if_valid(
        request,
        form,
        lambda data: services.claims_mark_paid(claims=list(data["claims"]), actor=request.user),
    )
    if saved:
        count = len(saved.result)
        messages.success(request, f"{count} claim{'s' if count != 1 else ''} marked paid.")
        return redirect(f"{reverse('time:manager_claims')}?{request.GET.urlencode()}")
    filter_query = {}
    if filters.is_bound and filters.is_valid():
        filter_query = {k: v for k, v in filters.cleaned_data.items() if v}
    return render(
        request,
        "projects/time_given/manager_claims.html",
        {
            "filters": filters,
            "form": form,
            "claims": page,
            "status": status,
            "organisations": organisations,
            "filter_query": urlencode(filter_query),
        },
    )


MANAGER_HEADER = [
    "Claim",
    "Organisation",
    "Project",
    "Participant",
    "Email",
    "Date of the time given",
    "What they did",
    "Minutes",
    "They chose",
    "For time",
    "Travel costs",
    "Amount",
    "Currency",
    "Status",
    "Claimed on",
]


def manager_row(claim: Claim) -> list:
    contribution = claim.contribution
    membership = contribution.membership
    project = membership.project
    return [
        claim.pk,
        project.organisation.name,
        project.name,
        membership.user.display_name,
        membership.user.email,
        contribution.date.isoformat(),
        contribution.get_kind_display(),
        contribution.minutes,
        claim.get_how_display(),
        money.plain(claim.for_time, claim.currency),
        money.plain(claim.travel_costs, claim.currency),
        money.plain(claim.amount, claim.currency),
        claim.currency,
        claim.get_status_display(),
        timezone.localdate(claim.created_at).isoformat(),
    ]


@login_required
@require_http_methods(["GET", "HEAD"])
def manager_claims_csv(request):
    """Approved (or paid) claims for the finance team, streamed."""
    organisations = _managed_or_404(request.user)
    has_filter = any(key in request.GET for key in ("organisation", "status"))
    filters = ClaimFilterForm(request.GET if has_filter else None, organisations=organisations)
    if filters.is_bound and not filters.is_valid():
        raise Http404("Not one of your organisations")
    chosen, status = filters.chosen()
    claims = selectors.organisation_claims(organisations=chosen, status=status)

    def rows():
        yield MANAGER_HEADER
        for claim in claims.iterator(chunk_size=CSV_CHUNK):
            yield manager_row(claim)

    return _csv(rows, f"claims-{status}-{timezone.localdate().isoformat()}.csv")
