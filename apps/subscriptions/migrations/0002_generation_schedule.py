"""Every evening, generate tomorrow's subscription orders and send renewal reminders."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

GENERATE = "subscriptions-generate-tomorrow"


def schedule(apps, schema_editor):
    shanghai = ZoneInfo("Asia/Shanghai")
    today = datetime.now(shanghai).date()
    first = datetime.combine(today, time(20, 30), tzinfo=shanghai)
    if first < datetime.now(shanghai):
        first += timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=GENERATE,
        defaults={
            "func": "apps.subscriptions.tasks.deliveries_generate_tomorrow",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=GENERATE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0001_subscriptions_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
