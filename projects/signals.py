"""Signals that let higher apps react to projects without projects importing
them (dependencies point decisions -> participants -> projects).

Each change is announced twice, with the same kwargs: inside the transaction
that makes it (``*_in_transaction``), so a receiver can record what must
follow together with the change (participants records that reminders are to
be planned, so a process that dies straight after the commit cannot lose
them), and again after that transaction has committed, for work outside the
database. A receiver of the first must only write to the database.
"""

from django.dispatch import Signal

# A stage became current (the project moved to it). kwargs: stage_id, actor_id.
stage_started_in_transaction = Signal()
stage_started = Signal()
# Someone became a member of a project. kwargs: membership_id.
member_joined_in_transaction = Signal()
member_joined = Signal()
