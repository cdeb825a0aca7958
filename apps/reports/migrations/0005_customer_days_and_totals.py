"""Customer summaries by day and depot, with running totals at each month's start, so that
any period and depot is counted from them; the household pace keeps its own table.

The old per-customer totals are dropped along with the marker that vouched for them, so the
Customers page counts from the orders until the next nightly refresh fills the new tables."""

import django.db.models.deletion
from django.db import migrations, models


def forget_refreshes(apps, schema_editor):
    apps.get_model("reports", "CustomerActivityRefresh").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_importupload_add_kind"),
        ("org", "0003_depot_add_payment_qr"),
        ("reports", "0004_customer_activity_schedule"),
    ]

    operations = [
        migrations.RunPython(forget_refreshes, migrations.RunPython.noop),
        migrations.DeleteModel(name="CustomerActivity"),
        migrations.CreateModel(
            name="CustomerActivity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("runout_day", models.DateField(verbose_name="run-out estimated on")),
                ("last_delivery", models.DateField(verbose_name="last delivery")),
                ("days_per_unit", models.FloatField(verbose_name="days per unit")),
                ("runs_out_on", models.DateField(verbose_name="runs out on")),
                ("refreshed_at", models.DateTimeField(verbose_name="refreshed")),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.company", verbose_name="company")),
                ("customer", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer", verbose_name="customer")),
                ("last_depot", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.depot")),
            ],
            options={
                "verbose_name": "customer activity",
                "verbose_name_plural": "customer activities",
                "indexes": [models.Index(fields=["company", "runs_out_on"], name="reports_activity_runout")],
            },
        ),
        migrations.CreateModel(
            name="CustomerDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("order_count", models.PositiveIntegerField(verbose_name="orders")),
                ("spend_fen", models.BigIntegerField(verbose_name="spend")),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.company", verbose_name="company")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer", verbose_name="customer")),
                ("depot", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.depot")),
            ],
            options={
                "verbose_name": "customer day",
                "verbose_name_plural": "customer days",
                "indexes": [models.Index(fields=["company", "day"], name="reports_customer_day")],
            },
        ),
        migrations.CreateModel(
            name="CustomerTotals",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("before", models.DateField(verbose_name="orders counted before")),
                ("first_order", models.DateField(verbose_name="first order")),
                ("last_order", models.DateField(verbose_name="last order")),
                ("order_count", models.PositiveIntegerField(verbose_name="orders")),
                ("spend_fen", models.BigIntegerField(verbose_name="spend")),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.company", verbose_name="company")),
                ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="customers.customer", verbose_name="customer")),
                ("depot", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.depot")),
            ],
            options={
                "verbose_name": "customer totals",
                "verbose_name_plural": "customer totals",
                "indexes": [models.Index(fields=["company", "before"], name="reports_customer_totals")],
            },
        ),
    ]
