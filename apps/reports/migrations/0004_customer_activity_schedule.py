"""Every night at three, rebuild each company's customer activity summary."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

CUSTOMER_ACTIVITY = "reports-customer-activity"
AT = time(3, 0)


def _next_night() -> datetime:
    today = timezone.localdate()
    moment = timezone.make_aware(datetime.combine(today, AT))
    return moment if moment > timezone.now() else moment + timedelta(days=1)


def schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=CUSTOMER_ACTIVITY,
        defaults={
            "func": "apps.reports.tasks.customer_activity_refresh_all",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": _next_night(),
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=CUSTOMER_ACTIVITY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_customer_activity"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
