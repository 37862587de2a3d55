"""The VAT breakdown of an order: net, VAT and gross per rate, delivery included.

Built from the rounded line amounts (and delivery rounded by the same rule), so the rows
always add up to the order's stored totals; nothing is rounded again here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shop.sales.models import Order


@dataclass(frozen=True)
class VatRow:
    rate: Decimal  # percent, e.g. Decimal("20")
    net: Decimal
    tax: Decimal
    gross: Decimal


def vat_breakdown(order: Order) -> list[VatRow]:
    """One row per VAT rate, lowest rate first; delivery counts at its own rate."""
    sums: dict[Decimal, list[Decimal]] = {}

    def add(rate: Decimal, net: Decimal, tax: Decimal, gross: Decimal) -> None:
        row = sums.setdefault(Decimal(rate), [Decimal("0"), Decimal("0"), Decimal("0")])
        row[0] += net
        row[1] += tax
        row[2] += gross

    for line in order.lines:
        add(line.vat_rate, line.net, line.tax, line.gross)
    if order.delivery_price:
        delivery = order.delivery_amounts
        add(Decimal(order.delivery_vat_rate or 0), delivery.net, delivery.tax, delivery.gross)
    return [VatRow(rate, *amounts) for rate, amounts in sorted(sums.items())]
