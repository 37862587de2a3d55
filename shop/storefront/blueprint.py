"""The storefront's one blueprint. Its pages live in a module per area (catalog, cart and
checkout, account, returns, invoices, media), each adding its routes to ``bp``; importing
``shop.storefront.views`` loads them all."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("storefront", __name__)
