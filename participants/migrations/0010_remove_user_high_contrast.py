"""High contrast on or off is now the contrast choice (0009)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0009_user_contrast"),
    ]

    operations = [
        migrations.RemoveField(model_name="user", name="high_contrast"),
    ]
