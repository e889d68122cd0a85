"""Counts that a project's pages show the same way to every member, kept in
the shared cache so a page does not count 5,000 members on every request.

What is kept: how many members of each kind the project has, the first names
of each group, and whose voices are heard (who has proposed, voted and
commented). Each is kept under the project's *version*, a value that every
change to those things replaces once the change is committed
(``changed``): the members (joining, leaving, label, facilitator), their
names, and the project's decisions, votes and comments. So a kept count is
never older than the last committed change, and the old versions' values
expire on their own (KEEP_SECONDS).

Who replaces the version: projects' own models through post_save and
post_delete (projects/apps.py, so the admin's changes count too), a person's
name through the user's post_save, and decisions.services for decisions,
votes and comments (the vote is written by INSERT ... ON CONFLICT, which
sends no signal).

The values live in the "fragments" cache: Redis when CACHE_URL is set. Without
a shared cache nothing is kept (a dummy cache), because one process's memory
is not told of the worker's changes.
"""

import time
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.db import transaction

CACHE = "fragments"
# A day: a version nobody changes is counted again once a day at most.
KEEP_SECONDS = 24 * 60 * 60


def _version_key(project_id: int) -> str:
    return f"project:{project_id}:version"


def _version(project_id: int):
    cache = caches[CACHE]
    key = _version_key(project_id)
    version = cache.get(key)
    if version is None:
        # add, not set: when two processes start a version at once, both use
        # the one that was added first.
        cache.add(key, time.time_ns(), KEEP_SECONDS)
        version = cache.get(key)
    return version


def remembered[T](project_id: int, name: str, compute: Callable[[], T]) -> T:
    """What ``compute()`` returns for the project's current version: computed
    once per version and kept. ``compute`` must return plain data (numbers,
    strings, lists and dicts), never model instances, so a kept value still
    reads after an upgrade."""
    version = _version(project_id)
    if version is None:  # no shared cache
        return compute()
    return caches[CACHE].get_or_set(f"project:{project_id}:{version}:{name}", compute, KEEP_SECONDS)


def changed(project_ids: Iterable[int | None]) -> None:
    """The projects' kept counts are out of date: start new versions once the
    current transaction commits (at once outside one), so no request reads
    a value counted before the change under a version made after it."""
    keys = [_version_key(project_id) for project_id in set(project_ids) if project_id]
    if keys:
        transaction.on_commit(lambda: caches[CACHE].delete_many(keys))


# Receivers of post_save and post_delete (connected in projects/apps.py).


def membership_saved_or_deleted(sender, instance, **kwargs) -> None:
    changed([instance.project_id])


def person_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A person's name shows in each of their projects. A new person has no
    projects yet, and signing in saves only last_login."""
    if created or (update_fields is not None and "display_name" not in update_fields):
        return
    changed(instance.memberships.values_list("project_id", flat=True))
