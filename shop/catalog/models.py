"""Products, variants (SKUs), categories, warehouses and stock per warehouse."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db_types import Money, Rate, UTCDateTime, utcnow
from shop.extensions import db

if TYPE_CHECKING:
    from shop.accounts.models import User

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
    # Delivery orders' steps here: 1 = ship; 2 = pick + ship; 3 = pick + pack + ship.
    delivery_steps: Mapped[int] = mapped_column(default=1, server_default="1")


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
    # Days a customer has to return it; None: the shop's window (shop.returns.settings).
    return_days: Mapped[int | None] = mapped_column(default=None)
    weight_grams: Mapped[int | None] = mapped_column(default=None)  # for shipping labels
    published: Mapped[bool] = mapped_column(default=True)
    # A product that was ordered is archived instead of deleted: orders keep pointing at it.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Folded names in every language with the SKUs, and folded descriptions, for the storefront
    # search: kept by shop.search on every write (trigram GIN indexes on PostgreSQL, migration 0011).
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship(back_populates="products")
    # The variants on sale: archived ones stay for the orders that have them, out of sight of the
    # storefront and the cart. The back office sees them all (all_variants).
    variants: Mapped[list[Variant]] = relationship(
        primaryjoin="and_(Product.id == Variant.product_id, Variant.archived.is_(False))",
        back_populates="product",
        order_by="Variant.position, Variant.id",
        cascade="all, delete-orphan",
    )
    all_variants: Mapped[list[Variant]] = relationship(
        order_by="Variant.archived, Variant.position, Variant.id", viewonly=True
    )

    @property
    def on_sale(self) -> bool:
        return self.published and not self.archived


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
    # What tells it apart from the product's other variants: {"size": "M", "colour": "Red"}.
    options: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Ordered once, never deleted: archived, it leaves the storefront and stays in the orders.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())

    product: Mapped[Product] = relationship(back_populates="variants")
    stock: Mapped[list[Stock]] = relationship(back_populates="variant", order_by="Stock.id")
    # Available units at or below this put the SKU on the low-stock list; None: the shop's default.
    low_stock_threshold: Mapped[int | None] = mapped_column(default=None)

    @property
    def on_sale(self) -> bool:
        """Offered on the storefront and addable to a cart."""
        return not self.archived and self.product.on_sale

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("vat_rate >= 0 AND vat_rate < 100", name="vat_rate_range"),
        CheckConstraint("low_stock_threshold >= 0", name="low_stock_threshold_not_negative"),
    )


class ProductChange(db.Model):
    """The product's history in the back office: who changed what, when, from what to what.
    A price change names its SKU; ``before``/``after`` hold plain strings ("129.90")."""

    __tablename__ = "product_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    # The SKU as it was, not a key: a variant deleted before it was ever ordered keeps its history.
    sku: Mapped[str] = mapped_column(String(32), default="")
    what: Mapped[str] = mapped_column(String(32))  # ProductChange kinds: see shop.catalog.editing
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


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


class StockMoveKind(enum.StrEnum):
    RECEIPT = "receipt"
    COUNT_CORRECTION = "count_correction"
    DAMAGE_LOSS = "damage_loss"  # a write-off, its reason in the note
    RESERVATION = "reservation"
    RELEASE = "release"
    DELIVERY = "delivery"
    PICKUP = "pickup"
    RETURN = "return"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class StockMove(db.Model):
    """The stock ledger: one append-only row per change of a stock row's on-hand or reserved
    units, written in the transaction that changes them (shop.catalog.stock). ``stock.quantity``
    and ``stock.reserved`` are the sums of these rows; ``flask stock verify`` checks it."""

    __tablename__ = "stock_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    quantity_change: Mapped[int] = mapped_column(default=0)
    reserved_change: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))  # a StockMoveKind
    # What caused it: "order" (reference_id: the order's id), "delivery", "return", or
    # "adjustment" (by hand; both rows of a transfer carry the first one's id).
    reference_type: Mapped[str] = mapped_column(String(16), default="adjustment")
    reference_id: Mapped[int | None] = mapped_column(default=None)
    # Who: user (staff/admin), customer, system ... as in the order history.
    actor_kind: Mapped[str] = mapped_column(String(16), default="system")
    actor_id: Mapped[int | None] = mapped_column(default=None)
    actor_label: Mapped[str] = mapped_column(String(160), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    variant: Mapped[Variant] = relationship()
    warehouse: Mapped[Warehouse] = relationship()

    __table_args__ = (
        # The SKU page lists a SKU's moves newest first, all warehouses or one.
        Index("ix_stock_moves_variant_created", "variant_id", "created_at", "id"),
        Index("ix_stock_moves_warehouse_created", "warehouse_id", "created_at"),
        Index("ix_stock_moves_reference", "reference_type", "reference_id"),
    )


class CatalogImport(db.Model):
    """A CSV file of the catalog uploaded in the back office, imported by the worker
    (shop.catalog.csv_transfer.jobs). The file's bytes are kept here: the web process that
    received it and the worker that reads it may be on different machines."""

    __tablename__ = "catalog_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    # queued -> validating -> applying -> done, or failed (errors say why; nothing was imported).
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    separator: Mapped[str] = mapped_column(String(1), default="")  # "": detected from the header
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{row, column, message}]
    # {"products_created", "variants_created", "variants_updated", "stock_moves"}
    summary: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locale: Mapped[str] = mapped_column(String(8), default="en")  # the uploader's: the problems are in it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User | None] = relationship()
