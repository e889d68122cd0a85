"""Signals that let higher apps react to projects without projects importing
them (dependencies point decisions -> participants -> projects).

Each is sent inside the transaction that makes the change, so a receiver
records what must follow together with the change: participants and
decisions hand over to their reminders with
participants.reminders.planning.plan_after_commit, the one hand-over every
app uses (a request written with the change, planned once it commits, swept
by beat if the process dies first). A receiver must only write to the
database; anything else waits for the commit.
"""

from django.dispatch import Signal

# A stage became current (the project moved to it). kwargs: stage_id, actor_id.
stage_started = Signal()
# The last stage ended: the project has finished. kwargs: project_id, actor_id.
project_finished = Signal()
# Someone became a member of a project. kwargs: membership_id.
member_joined = Signal()
