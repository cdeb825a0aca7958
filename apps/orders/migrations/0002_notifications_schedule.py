"""Every minute, hand due customer messages to jobs (idempotent: one schedule by name)."""

from django.db import migrations

SEND_DUE = "orders-send-due-notifications"


def schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SEND_DUE,
        defaults={
            "func": "apps.orders.tasks.notifications_send_due",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SEND_DUE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_orders_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
