"""The managers' dashboard (/manage/) and its CSV downloads. Thin: the reads
are in decisions/dashboard.py.

Signed out: the sign-in page, as everywhere. Signed in, the dashboard is for
people who manage at least one organisation (a superuser manages them all);
anyone else gets 404, staff included, as for a private project."""

import csv
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from coproduce.pagination import paged
from coproduce.spreadsheets import safe_cell
from decisions import dashboard

TEMPLATE = "decisions/dashboard.html"
# How many projects each round of queries reads for a CSV download, so a
# download of hundreds of projects streams with bounded memory.
CSV_CHUNK = 100
CSV_TABLES = {
    "projects": (dashboard.PROJECTS_CSV_HEADER, dashboard.projects_csv_rows),
    "balance": (dashboard.BALANCE_CSV_HEADER, dashboard.balance_csv_rows),
    "ladder": (dashboard.LADDER_CSV_HEADER, dashboard.ladder_csv_rows),
}


class OrganisationFilterForm(forms.Form):
    """Which of their organisations a manager looks at: all by default."""

    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        error_messages={"invalid_choice": "Choose one of the organisations you manage"},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.fields["organisation"].choices = [("", "All my organisations")] + [
            (organisation.slug, organisation.name) for organisation in organisations
        ]

    @property
    def slug(self) -> str:
        """The organisation chosen, or "" for all of them (also when the
        choice is not one of theirs: the form then says so)."""
        if not (self.is_bound and self.is_valid()):
            return ""
        return self.cleaned_data.get("organisation", "")

    def chosen(self) -> list:
        """The organisations to show: the one chosen, or all of them."""
        slug = self.slug
        chosen = [organisation for organisation in self.organisations if organisation.slug == slug]
        return chosen or self.organisations


def _organisations_or_404(user) -> list:
    organisations = dashboard.dashboard_organisations(user)
    if not organisations:
        raise Http404("You do not manage an organisation")
    return organisations


def _filter(request, organisations) -> OrganisationFilterForm:
    data = request.GET if "organisation" in request.GET else None
    return OrganisationFilterForm(data, organisations=organisations)


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_page(request):
    organisations = _organisations_or_404(request.user)
    form = _filter(request, organisations)
    chosen = form.chosen()
    projects = paged(
        dashboard.dashboard_projects(chosen), request.GET, per_page=dashboard.PAGE_SIZE
    )
    page = projects.page
    summaries = dashboard.project_summaries(
        list(page.object_list),
        organisations=organisations,
        now=timezone.now(),
    )
    return render(
        request,
        TEMPLATE,
        {
            "form": form,
            "organisations": organisations,
            "chosen": chosen,
            "all_chosen": len(chosen) == len(organisations),
            "page": page,
            "paged": projects,
            # Kept on the page links and the downloads.
            "filter_query": urlencode({"organisation": form.slug}) if form.slug else "",
            "summaries": summaries,
            "flagged": [summary for summary in summaries if summary.balance_flags],
            "gap_points": dashboard.BALANCE_GAP_POINTS,
            "min_people": dashboard.BALANCE_MIN_PEOPLE,
            "min_answers": dashboard.MIN_ANSWERS_TO_SHOW,
            "failed_days": dashboard.FAILED_REMINDER_DAYS,
        },
    )


class _Echo:
    """A file that hands back what is written to it, for streaming."""

    def write(self, value):
        return value


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_csv(request, table):
    if table not in CSV_TABLES:
        raise Http404("No such download")
    organisations = _organisations_or_404(request.user)
    form = _filter(request, organisations)
    if form.is_bound and not form.is_valid():
        raise Http404("Not one of your organisations")
    chosen = form.chosen()
    header, rows = CSV_TABLES[table]
    now = timezone.now()
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # A byte order mark, so spreadsheets read UTF-8.
        yield writer.writerow(header)
        paginator = Paginator(dashboard.dashboard_projects(chosen), CSV_CHUNK)
        for number in paginator.page_range:
            summaries = dashboard.project_summaries(
                list(paginator.page(number).object_list),
                organisations=organisations,
                now=now,
            )
            for row in rows(summaries):
                yield writer.writerow([safe_cell(cell) for cell in row])

    name = form.slug or "all-organisations"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{table}-{name}-{timezone.localdate(now).isoformat()}.csv"'
    )
    return response
