"""How people in a member's projects can reach them (Your profile, "About you")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0010_remove_user_high_contrast"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="contact_details",
            field=models.TextField(
                blank=True, verbose_name="how people in your projects can reach you"
            ),
        ),
    ]
