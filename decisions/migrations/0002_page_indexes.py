"""Indexes the decision log (newest first) and the project home (open
decisions, soonest closing first) read in order, instead of sorting every
decision of the project."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["project", "-created_at", "-id"], name="decision_log_order"),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["project", "status", "closes_at"], name="decision_project_status"
            ),
        ),
    ]
