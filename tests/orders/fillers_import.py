"""Rows of a victim company for the tenancy sweep: an uploaded order file."""

from __future__ import annotations

from typing import Any

from apps.customers.models import ImportKind, ImportUpload
from tests.factories import StaffFactory
from tests.tenancy import MARKER


def _order_upload(company: Any) -> Any:
    return ImportUpload.objects.create(
        company=company,
        kind=ImportKind.ORDERS,
        uploaded_by=StaffFactory(company=company),
        filename=f"{MARKER}.csv",
        content=f"电话,姓名,地址,商品,数量\n13800000000,{MARKER},{MARKER},W1,1\n".encode(),
    )


OBJECTS = {"orders.importupload": _order_upload}

URL_OBJECTS = {"orders:import_preview": "orders.importupload"}
