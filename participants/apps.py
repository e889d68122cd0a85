from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = "People"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.utils.module_loading import autodiscover_modules

        from participants import (
            receivers,
            tasks,  # noqa: F401  (registers the tasks queued by name)
        )
        from participants.accounts import signins
        from participants.reminders import project_kinds  # noqa: F401  (registers its kinds)
        from projects import signals

        # Each app's reminders module registers the kinds of reminder whose
        # words it knows (decisions/reminders.py: the decision kinds).
        autodiscover_modules("reminders")
        signals.stage_started.connect(
            receivers.on_stage_started, dispatch_uid="participants.stage_started"
        )
        signals.member_joined.connect(
            receivers.on_member_joined, dispatch_uid="participants.member_joined"
        )
        # Each sign-in is recorded for the member's "Your data".
        user_logged_in.connect(signins.on_user_logged_in, dispatch_uid="participants.sign_in")
