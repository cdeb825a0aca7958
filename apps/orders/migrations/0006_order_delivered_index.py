"""Orders by the moment they were delivered: courier figures count deliveries by that moment."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_notification_customer_messages"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["company", "delivered_at"], name="order_company_delivered"),
        ),
    ]
