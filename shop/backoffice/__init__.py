"""The seller's back office under /admin/: one blueprint, one module per area."""

from flask import Blueprint, request

bp = Blueprint("backoffice", __name__, url_prefix="/admin")

# The menu item of each page, by the first part of its address under /admin/ ("" is the order list).
MENU_SECTIONS = {
    "": "orders",
    "orders": "orders",
    "statuses": "statuses",
    "outbox": "outbox",
    "messages": "messages",
    "settings": "settings",
    "stock": "stock",
    "users": "users",
    "teams": "users",
    # The catalog: products, categories and warehouses share one menu item and a sub-navigation
    # (templates/backoffice/_catalog_nav.html).
    "products": "catalog",
    "categories": "catalog",
    "warehouses": "catalog",
    "catalog-csv": "catalog",
    "documents": "orders",  # batches of printed documents, asked for from the order list
    "invoices": "invoices",
    "deliveries": "deliveries",
    "pickups": "deliveries",
    "refunds-due": "refunds",
    "returns": "returns",
}


@bp.app_template_global()
def menu_section() -> str:
    """The menu item to highlight. By address, not by endpoint name: the list shown again after
    a refused bulk change (/admin/orders/bulk-status) is under Orders, whatever its view is called."""
    path = request.path.removeprefix(bp.url_prefix or "").strip("/")
    return MENU_SECTIONS.get(path.split("/", 1)[0], "")

# Each module adds its routes to bp.
from shop.backoffice import (  # noqa: E402,F401
    auth_views,
    catalog_csv,
    catalog_pages,
    categories,
    couriers,
    deliveries,
    documents,
    invoice_settings,
    invoices,
    message_templates,
    order_detail,
    order_list,
    outbox,
    payments,
    pickups,
    pictures,
    products,
    returns,
    returns_settings,
    settings_views,
    statuses,
    stock,
    users,
    warehouses,
)
