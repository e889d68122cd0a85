from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projects"

    def ready(self):
        from projects import cached
        from projects.models import Membership

        # projects/cached.py: the changes to a project's members that move
        # the counts it keeps (decisions.services tells it of the others).
        receiver = cached.membership_saved_or_deleted
        post_save.connect(receiver, sender=Membership, dispatch_uid="cached.membership")
        post_delete.connect(receiver, sender=Membership, dispatch_uid="cached.membership")
        post_save.connect(
            cached.person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="cached.person"
        )
