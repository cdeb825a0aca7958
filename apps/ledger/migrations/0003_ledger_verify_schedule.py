"""Every night at 03:00, check every company's book (idempotent: one schedule by name)."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

NIGHTLY_VERIFY = "ledger-verify-nightly"


def schedule(apps, schema_editor):
    tomorrow = timezone.localdate() + timedelta(days=1)
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NIGHTLY_VERIFY,
        defaults={
            "func": "apps.ledger.tasks.ledger_verify_all",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": timezone.make_aware(datetime.combine(tomorrow, time(3, 0))),
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NIGHTLY_VERIFY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_ledger_guards_add"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
