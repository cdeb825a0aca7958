"""The book in the admin: for look-up only. Postings and transactions are never edited here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.ledger.models import (
    Account,
    CreditBill,
    Discrepancy,
    Handover,
    Lot,
    Posting,
    Statement,
    StatementBatch,
    Transaction,
    with_balance_now,
)
from apps.org.admin import ReadOnlyOwnerAdmin


class PostingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Posting
    fields = ("account", "unit", "amount", "balance_after")
    readonly_fields = ("account", "unit", "amount", "balance_after")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyOwnerAdmin):
    list_display = ["id", "kind", "description", "customer", "occurred_at", "reversal_of"]
    list_filter = ["kind"]
    search_fields = ["key", "description", "customer__name"]
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyOwnerAdmin):
    list_display = ["id", "transaction", "account", "unit", "amount", "balance_after"]
    list_select_related = ["transaction", "account"]


@admin.register(Account)
class AccountAdmin(ReadOnlyOwnerAdmin):
    list_display = ["id", "kind", "owner_key", "unit", "balance_now", "limit"]
    list_filter = ["kind", "owner_kind"]
    search_fields = ["owner_key", "unit", "customer__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return with_balance_now(super().get_queryset(request))

    @admin.display(description=_("balance"))
    def balance_now(self, account: Account) -> int:
        return account.balance_now


@admin.register(Lot)
class LotAdmin(ReadOnlyOwnerAdmin):
    list_display = [
        "id",
        "account",
        "quantity",
        "amount_fen",
        "remaining_quantity",
        "remaining_fen",
    ]


@admin.register(CreditBill)
class CreditBillAdmin(ReadOnlyOwnerAdmin):
    list_display = ["customer", "month", "amount_fen", "paid_fen", "due_on"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyOwnerAdmin):
    list_display = ["courier", "day", "scan_expected_fen", "created_at"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyOwnerAdmin):
    list_display = ["courier", "account", "amount", "status"]
    list_filter = ["status"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyOwnerAdmin):
    list_display = ["id", "kind", "customer", "period_start", "period_end", "status", "sha256"]
    list_filter = ["status", "kind"]


@admin.register(StatementBatch)
class StatementBatchAdmin(ReadOnlyOwnerAdmin):
    list_display = ["month", "status", "progress", "sha256"]
