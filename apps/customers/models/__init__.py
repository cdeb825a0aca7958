from apps.customers.models.customers import (
    Address,
    BillingMode,
    Channel,
    CoordinateSource,
    Customer,
    CustomerPhone,
    CustomerStatus,
    CustomerType,
    PhoneKind,
    Precision,
    Tag,
)

__all__ = [
    "Address",
    "BillingMode",
    "Channel",
    "CoordinateSource",
    "Customer",
    "CustomerPhone",
    "CustomerStatus",
    "CustomerType",
    "PhoneKind",
    "Precision",
    "Tag",
]
