"""Invoices and credit notes: one table, frozen at issue."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db_types import Money, UTCDateTime, str_enum, utcnow
from shop.extensions import db
from shop.sales.models import Order


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"  # the sale, as the order was when it was issued
    CREDIT_NOTE = "credit-note"  # a correction of an invoice for a refund (Polish "faktura korygująca")


class Invoice(db.Model):
    """An issued invoice or credit note. Every printed value is a copy taken at issue (seller,
    buyer, lines, VAT per rate, totals), so a later change of the order, the catalog or the
    settings never changes a document already given to the customer.

    A credit note's quantities and amounts are the correction, negative (the "difference" of a
    Polish korekta): invoice + its credit notes = what the customer finally bought and paid."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series", "year", "sequence", name="uq_invoices_series_year_sequence"),
        # One invoice per order (corrections are credit notes); the last guard under races.
        Index(
            "uq_invoices_one_per_order",
            "order_id",
            unique=True,
            postgresql_where=text("kind = 'invoice'"),
            sqlite_where=text("kind = 'invoice'"),
        ),
        Index("ix_invoices_issued_at", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The invoice a credit note corrects, and the refund it records (credit notes only).
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    refund_id: Mapped[int | None]
    series: Mapped[str] = mapped_column(String(32))  # the counter's series: "invoice", "credit-note"
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(32))  # as printed, from the series' format
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sale_date: Mapped[date] = mapped_column(Date)  # when the goods were sold (the order confirmed)
    # Why it was issued: "b2b", "request", "payment", "staff"; a credit note: "refund", "cancelled".
    reason: Mapped[str] = mapped_column(String(16), default="staff")
    seller: Mapped[dict] = mapped_column(JSON)  # shop_name, seller_address, seller_tax_id, ...
    buyer: Mapped[dict] = mapped_column(JSON)  # name, company_name, tax_id, address ...
    # [{sku, name: {lang: text}, variant, quantity, unit_price, vat_rate, net, vat, gross}], amounts as text.
    lines: Mapped[list] = mapped_column(JSON)
    # [{rate, net, vat, gross}] per VAT rate, VAT computed from the rate's total.
    vat_breakdown: Mapped[list] = mapped_column(JSON)
    net_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(5), default="en")
    payment_method: Mapped[str] = mapped_column(String(24), default="")
    payment_status: Mapped[str] = mapped_column(String(24), default="")  # paid, not_paid, refunded...
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship()
    invoice: Mapped[Invoice | None] = relationship(remote_side=[id])

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def filename(self) -> str:
        """A file name from the printed number (FV/2026/000123 -> FV-2026-000123.pdf)."""
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.number)
        return f"{safe}.pdf"
