import django.db.models.deletion
from django.db import migrations, models


SHARDS = 16


def shards_add(apps, schema_editor):
    """Give every pooled account (the company's unlimited ones) its shards."""
    Account = apps.get_model("ledger", "Account")
    BalanceShard = apps.get_model("ledger", "BalanceShard")
    pooled = Account.objects.filter(owner_kind="company", limit="none").values_list("pk", flat=True)
    BalanceShard.objects.bulk_create(
        [BalanceShard(account_id=pk, shard=n) for pk in pooled.iterator() for n in range(SHARDS)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_ledger_verify_schedule'),
    ]

    operations = [
        migrations.AlterField(
            model_name='posting',
            name='balance_after',
            field=models.BigIntegerField(blank=True, null=True, verbose_name='balance after'),
        ),
        migrations.CreateModel(
            name='BalanceShard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('shard', models.PositiveSmallIntegerField()),
                ('balance', models.BigIntegerField(default=0)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='shards', to='ledger.account')),
            ],
            options={
                'verbose_name': 'balance shard',
                'verbose_name_plural': 'balance shards',
                'ordering': ['account', 'shard'],
                'constraints': [models.UniqueConstraint(fields=('account', 'shard'), name='ledger_balanceshard_unique')],
            },
        ),
        migrations.RunPython(shards_add, migrations.RunPython.noop),
    ]
