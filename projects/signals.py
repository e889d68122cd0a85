"""Signals that let higher apps react to projects without projects importing
them (dependencies point decisions -> participants -> projects).

Each is sent after the transaction that caused it has committed.
"""

from django.dispatch import Signal

# A stage became current (the project moved to it). kwargs: stage_id, actor_id.
stage_started = Signal()
# Someone became a member of a project. kwargs: membership_id.
member_joined = Signal()
