"""An index of people in name order: the members page and the first names
on a project home read a page of members from it instead of sorting every
member of the project."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0007_reminder_registry"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(fields=["display_name", "id"], name="user_name_order"),
        ),
    ]
