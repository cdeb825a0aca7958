"""Every day, warn the owners about the products that will run short tomorrow."""

from django.db import migrations

STOCK_ALERTS = "reports-stock-alerts"


def schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=STOCK_ALERTS,
        defaults={
            "func": "apps.reports.tasks.stock_alerts_send_all",
            "schedule_type": "D",
            "repeats": -1,
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=STOCK_ALERTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
