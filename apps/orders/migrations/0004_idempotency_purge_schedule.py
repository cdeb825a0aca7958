"""Every day, forget Idempotency-Key responses older than a week (idempotent: one schedule by name)."""

from django.db import migrations

PURGE = "orders-idempotency-purge"


def schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=PURGE,
        defaults={
            "func": "apps.orders.tasks.idempotency_records_purge",
            "schedule_type": "D",
            "repeats": -1,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=PURGE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_incoming_call_add"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
