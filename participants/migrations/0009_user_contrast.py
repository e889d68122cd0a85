"""Contrast becomes a choice of three (standard, black on white, white on
black) in place of high contrast on or off: members who had high contrast on
keep black on white. The old field goes in 0010, apart from this data
migration (PostgreSQL cannot alter a table with pending trigger events)."""

from django.db import migrations, models


def high_contrast_to_contrast(apps, schema_editor):
    User = apps.get_model("participants", "User")
    User.objects.filter(high_contrast=True).update(contrast="high")


def contrast_to_high_contrast(apps, schema_editor):
    User = apps.get_model("participants", "User")
    User.objects.filter(contrast__in=["high", "dark"]).update(high_contrast=True)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0008_user_name_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="contrast",
            field=models.CharField(
                choices=[
                    ("standard", "Standard"),
                    ("high", "High contrast: black text on a white background"),
                    ("dark", "High contrast: white text on a black background"),
                ],
                default="standard",
                max_length=10,
            ),
        ),
        migrations.RunPython(high_contrast_to_contrast, contrast_to_high_contrast),
    ]
