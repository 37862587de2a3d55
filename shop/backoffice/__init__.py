"""The seller's back office under /admin/: one blueprint, one module per area."""

from flask import Blueprint

bp = Blueprint("backoffice", __name__, url_prefix="/admin")

# Each module adds its routes to bp.
from shop.backoffice import auth_views, order_detail, order_list, settings_views, statuses, users  # noqa: E402,F401
