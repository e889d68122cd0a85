"""Keep how each member was counted (participant or professional) with their
ladder answer, filled in for existing answers from the member's label now."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

LABELS = [
    ("participant", "Participant (lived experience or carer)"),
    ("professional", "Professional"),
]


def copy_labels(apps, schema_editor):
    LadderAnswer = apps.get_model("projects", "LadderAnswer")
    Membership = apps.get_model("projects", "Membership")
    LadderAnswer.objects.update(
        label=Subquery(Membership.objects.filter(pk=OuterRef("membership_id")).values("label")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_stage_planned_dates"),
    ]

    operations = [
        migrations.AddField(
            model_name="ladderanswer",
            name="label",
            field=models.CharField(choices=LABELS, default="", max_length=12),
            preserve_default=False,
        ),
        migrations.RunPython(copy_labels, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="ladderanswer",
            constraint=models.CheckConstraint(
                condition=models.Q(("label__in", ["participant", "professional"])),
                name="ladder_answer_label_known",
            ),
        ),
    ]
