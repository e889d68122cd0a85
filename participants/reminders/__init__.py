"""The reminder machinery: the one way Coproduce emails people about their
projects. Its parts, each in its own module:

- ``registry``: the kinds of reminder, the only list of them (name, label,
  who may turn it off, urgency, and the templates that word it);
- ``planning``: the hand-over from a change to its reminders, durable across
  a crash (a request written with the change, planned after commit, swept
  by beat if the process died first);
- ``scheduling``: what is due for whom, honouring each person's choices;
- ``timing``: daytime, digest times and deadlines;
- ``sending`` and ``digests``: claiming what is due and sending it exactly
  once, straight away or in a daily or weekly digest;
- ``bulk``: the two raw-SQL shortcuts sending takes for speed;
- ``project_kinds``: the kinds about projects (stages, invitations).

Each installed app's ``reminders`` module registers the kinds whose words it
knows (decisions/reminders.py: decisions, and the end of a project);
ParticipantsConfig.ready() imports them all, so the registry is full in the
web server, the worker and beat alike.
"""
