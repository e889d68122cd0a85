"""Reminder kinds come from one registry (participants.reminders.registry):
the one-column-per-kind opt-outs become a list of kind names on the person,
and the reminder log and planning requests are validated against the
registry instead of a fixed list of choices. Waiting stage reminders are
keyed by project now (several moves in a row send one message)."""

import participants.reminders.registry
from django.db import migrations, models

# The columns of 0001-0004 and the kind each one turned off.
OLD_COLUMNS = {
    "notify_new_decision": "new_decision",
    "notify_closing_soon": "closing_soon",
    "notify_result": "result",
    "notify_stage": "stage",
    "notify_vote_recorded": "vote_recorded",
}


def columns_to_list(apps, schema_editor):
    User = apps.get_model("participants", "User")
    changed = []
    for user in User.objects.only("pk", *OLD_COLUMNS).iterator(chunk_size=2000):
        off = [kind for column, kind in OLD_COLUMNS.items() if not getattr(user, column)]
        if off:
            user.reminders_turned_off = off
            changed.append(user)
    User.objects.bulk_update(changed, ["reminders_turned_off"], batch_size=2000)


def list_to_columns(apps, schema_editor):
    User = apps.get_model("participants", "User")
    changed = []
    for user in User.objects.exclude(reminders_turned_off=[]).iterator(chunk_size=2000):
        for column, kind in OLD_COLUMNS.items():
            setattr(user, column, kind not in user.reminders_turned_off)
        changed.append(user)
    User.objects.bulk_update(changed, list(OLD_COLUMNS), batch_size=2000)


def stage_keys_to_projects(apps, schema_editor):
    ReminderLog = apps.get_model("participants", "ReminderLog")
    Stage = apps.get_model("projects", "Stage")
    waiting = ReminderLog.objects.filter(
        kind="stage", object_key__startswith="stage:", status__in=["pending", "claimed"]
    )
    stage_ids = {int(key.split(":")[1]) for key in waiting.values_list("object_key", flat=True)}
    for stage_id, project_id in Stage.objects.filter(pk__in=stage_ids).values_list(
        "pk", "project_id"
    ):
        waiting.filter(object_key=f"stage:{stage_id}").update(object_key=f"project:{project_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0006_planning_requests"),
        ("projects", "0004_alter_project_timezone"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="reminders_turned_off",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[participants.reminders.registry.validate_turned_off],
                verbose_name="reminder emails turned off",
            ),
        ),
        migrations.RunPython(columns_to_list, list_to_columns, elidable=True),
        migrations.RemoveField(model_name="user", name="notify_new_decision"),
        migrations.RemoveField(model_name="user", name="notify_closing_soon"),
        migrations.RemoveField(model_name="user", name="notify_result"),
        migrations.RemoveField(model_name="user", name="notify_stage"),
        migrations.RemoveField(model_name="user", name="notify_vote_recorded"),
        migrations.AlterField(
            model_name="reminderlog",
            name="kind",
            field=models.CharField(
                help_text="A kind of reminder from the registry (participants.reminders.registry).",
                max_length=30,
                validators=[participants.reminders.registry.validate_kind],
            ),
        ),
        migrations.AlterField(
            model_name="planningrequest",
            name="event",
            field=models.CharField(
                help_text="An event with a planner (participants.reminders.planning).",
                max_length=30,
                validators=[participants.reminders.registry.validate_event],
            ),
        ),
        migrations.RunPython(stage_keys_to_projects, migrations.RunPython.noop, elidable=True),
    ]
