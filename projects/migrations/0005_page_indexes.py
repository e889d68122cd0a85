"""An index for the project home's recent activity: a project's newest lines,
read in order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_alter_project_timezone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["project", "-created_at", "-id"], name="activity_project_recent"
            ),
        ),
    ]
