from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = "Decisions"

    def ready(self):
        from decisions import reminders
        from projects import signals

        signals.project_finished.connect(
            reminders.on_project_finished, dispatch_uid="decisions.project_finished"
        )
