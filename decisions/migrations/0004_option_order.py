"""Options are ordered by their decision's id, so reading a decision's options
joins nothing (Meta only: no change to the database)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0003_comment_page_order"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="option",
            options={"ordering": ["decision_id", "position"]},
        ),
    ]
