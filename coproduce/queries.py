"""Query shapes that the database backends do not all support alike."""

from django.db import connections
from django.db.models import QuerySet


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
