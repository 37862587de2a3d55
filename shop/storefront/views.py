"""The storefront's pages, a module per area, all on the one blueprint (``shop.storefront.blueprint``):
catalog, cart, checkout (with tracking and payment), account, returns, invoices, media.
Importing this module loads them all."""

from __future__ import annotations

# bp first: some modules take it from here (``from shop.storefront.views import bp``).
from shop.storefront.blueprint import bp

# isort: split
from shop.storefront import (  # noqa: F401
    account,
    account_views,
    cart,
    catalog,
    checkout,
    invoices,
    media,
    returns,
)

__all__ = ["bp"]
