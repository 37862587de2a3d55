"""Products, variants (SKUs), categories, warehouses and stock per warehouse."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db_types import Money, Rate, UTCDateTime, utcnow
from shop.extensions import db

# Texts a seller writes once per language: {"en": "...", "tr": "...", "pl": "...", "fa": "..."}.
Translated = dict[str, str]


class Warehouse(db.Model):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[Translated] = mapped_column(JSON)
    address: Mapped[Translated] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    # Self-service pickup: on which weekdays (0 = Monday), between which hours, how many days ahead.
    pickup: Mapped[bool] = mapped_column(default=False)
    pickup_weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    pickup_hours: Mapped[str] = mapped_column(String(40), default="")
    pickup_lead_days: Mapped[int] = mapped_column(default=1)
    pickup_horizon_days: Mapped[int] = mapped_column(default=14)


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[Translated] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list[Product]] = relationship(back_populates="category")


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[Translated] = mapped_column(JSON)
    description: Mapped[Translated] = mapped_column(JSON, default=dict)
    colour: Mapped[str] = mapped_column(String(7), default="#888888")
    returnable: Mapped[bool] = mapped_column(default=True)
    published: Mapped[bool] = mapped_column(default=True)
    # Folded names in every language with the SKUs, and folded descriptions, for the storefront
    # search: kept by shop.search on every write (trigram GIN indexes on PostgreSQL, migration 0011).
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship(back_populates="products")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.position, Variant.id", cascade="all, delete-orphan"
    )


class Variant(db.Model):
    """A SKU: what is priced, taxed, stocked and ordered."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[Translated] = mapped_column(JSON)
    price: Mapped[Decimal] = mapped_column(Money)  # gross, VAT included, in the shop currency
    vat_rate: Mapped[Decimal] = mapped_column(Rate)  # percent, e.g. 20.00
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")
    stock: Mapped[list[Stock]] = relationship(back_populates="variant", order_by="Stock.id")

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate < 100", name="vat_rate_range"),
    )


class Stock(db.Model):
    """Units of one SKU in one warehouse. Available = quantity - reserved."""

    __tablename__ = "stock"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)  # on hand
    reserved: Mapped[int] = mapped_column(default=0)  # promised to confirmed orders

    variant: Mapped[Variant] = relationship(back_populates="stock")
    warehouse: Mapped[Warehouse] = relationship()

    __table_args__ = (
        UniqueConstraint("variant_id", "warehouse_id"),
        # The last guard against overselling, whatever the code above it does.
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= quantity", name="reserved_within_quantity"),
    )

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


class StockReservation(db.Model):
    """Units of one order line promised from one warehouse's stock, so exactly they are released."""

    __tablename__ = "stock_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("stock.id"), index=True)
    quantity: Mapped[int]

    stock: Mapped[Stock] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)
