"""Reads a page of a decision's discussion in order, stopping at its last
comment, instead of joining and sorting all of them."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0002_page_indexes"),
        ("projects", "0005_page_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["decision", "created_at", "id"], name="comment_page_order"),
        ),
    ]
