"""The seller's back office under /admin/: one blueprint, one module per area."""

from flask import Blueprint

bp = Blueprint("backoffice", __name__, url_prefix="/admin")

# Each module adds its routes to bp.
from shop.backoffice import (  # noqa: E402,F401
    auth_views,
    message_templates,
    order_detail,
    order_list,
    outbox,
    settings_views,
    statuses,
    users,
)
