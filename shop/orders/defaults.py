"""The statuses a new shop starts with (PRODUCT.md B4), in the four languages."""

DEFAULT_STATUSES: list[dict] = [
    {
        "code": "new",
        "name": {"en": "New", "tr": "Yeni", "pl": "Nowe", "fa": "جدید"},
        "group": "new",
        "colour": "#2563eb",
        "initial": True,
    },
    {
        "code": "processing",
        "name": {"en": "Processing", "tr": "İşlemde", "pl": "W realizacji", "fa": "در حال پردازش"},
        "group": "in_progress",
        "colour": "#d97706",
    },
    {
        "code": "shipped",
        "name": {"en": "Shipped", "tr": "Kargoya verildi", "pl": "Wysłane", "fa": "ارسال شد"},
        "group": "in_progress",
        "colour": "#7c3aed",
        "requires_tracking": True,
        "email_customer": True,
        "email_customer_sources": ["storefront"],
    },
    {
        "code": "completed",
        "name": {"en": "Completed", "tr": "Tamamlandı", "pl": "Zrealizowane", "fa": "تکمیل شد"},
        "group": "completed",
        "colour": "#16a34a",
    },
    {
        "code": "cancelled",
        "name": {"en": "Cancelled", "tr": "İptal edildi", "pl": "Anulowane", "fa": "لغو شد"},
        "group": "not_completed",
        "colour": "#dc2626",
        "cancels_order": True,
    },
    {
        "code": "returned",
        "name": {"en": "Returned", "tr": "İade edildi", "pl": "Zwrócone", "fa": "مرجوع شد"},
        "group": "not_completed",
        "colour": "#64748b",
    },
]


def install_default_statuses() -> int:
    """Add the default statuses a shop lacks (by code); returns how many were added."""
    from shop.extensions import db
    from shop.orders.models import OrderStatus, StatusGroup

    existing = set(db.session.scalars(db.select(OrderStatus.code)))
    added = 0
    for position, item in enumerate(DEFAULT_STATUSES):
        if item["code"] in existing:
            continue
        values = {**item, "group": StatusGroup(item["group"]), "position": position}
        db.session.add(OrderStatus(**values))
        added += 1
    db.session.flush()
    return added
