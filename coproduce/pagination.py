"""One way to page a long list, for every page that shows one: the page
asked for (a bad or too large number shows the nearest real page, never an
error), the numbers to link with gaps, and the query string to keep (the
list's filters). Page size: COPRODUCE_PAGE_SIZE (settings), unless a page
asks for its own. The links are templates/includes/pagination.html, the
GOV.UK Design System's pattern."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import QueryDict


@dataclass(frozen=True)
class Paged:
    page: Page
    page_range: list
    # The query string of the list's other parameters (filters), kept on
    # each page link; "" when there are none.
    query: str
    # The name of the parameter carrying the page number ("page", or another
    # when a page shows two lists).
    parameter: str

    @property
    def items(self):
        return self.page.object_list


def paged(
    queryset,
    query: QueryDict,
    *,
    per_page: int | None = None,
    parameter: str = "page",
) -> Paged:
    """The page of ``queryset`` that ``query`` (request.GET) asks for: one
    COUNT and one query for the page's rows."""
    paginator = Paginator(queryset, per_page or settings.COPRODUCE_PAGE_SIZE)
    page = paginator.get_page(query.get(parameter))
    others = query.copy()
    others.pop(parameter, None)
    return Paged(
        page=page,
        page_range=list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)),
        query=others.urlencode(),
        parameter=parameter,
    )
