"""Query shapes that the database backends do not all support alike."""

from django.db import connections
from django.db.models import F, Func, IntegerField, QuerySet, Subquery


def first_of_each(querysets: list[QuerySet], *, order_by: tuple[str, ...]) -> list:
    """The rows of several sliced (LIMITed) querysets of one model, each
    already ordered by ``order_by``: in one query (UNION ALL) where the
    database allows a LIMIT in each part of a union (PostgreSQL), and one
    query per part where it does not (SQLite, which `make run` uses when no
    DATABASE_URL is set). Rows come in ``order_by`` order within each part;
    read the parts apart by a field, not by position."""
    first, *others = querysets
    if others and connections[first.db].features.supports_slicing_ordering_in_compound:
        return list(first.union(*others, all=True).order_by(*order_by))
    return [row for queryset in querysets for row in queryset]


def count_of(rows: QuerySet) -> Subquery:
    """How many rows ``rows`` has, as a subquery that refers to no row of the
    query around it, so the database counts once however many rows that
    query reads: SELECT COUNT(id) ... with no GROUP BY (COUNT as a plain
    function, which Django does not group by), so one row, 0 when there are
    none. Annotate the first rows of a list with it to say "and N more"
    without a second query."""
    counted = rows.order_by().annotate(count=Func(F("pk"), function="COUNT")).values("count")
    return Subquery(counted, output_field=IntegerField())
