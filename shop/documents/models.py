"""Tables of the printed documents: gapless counters, documents issued with a number, batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime, utcnow
from shop.extensions import db


class DocumentCounter(db.Model):
    """The last number given in a series for a year. Locked FOR UPDATE by the transaction that
    issues the next one: a rolled-back issue gives its number back, so the series has no gaps
    (a database sequence would leave them)."""

    __tablename__ = "document_counters"

    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class IssuedDocument(db.Model):
    """A document that carries a number of its own (the dispatch note): given once per order and
    kind, the same number on every reprint."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", name="uq_issued_documents_order_kind"),
        UniqueConstraint("series", "year", "sequence", name="uq_issued_documents_series_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    series: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(32))  # as printed: IRS-2026-000001
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DocumentBatch(db.Model):
    """One PDF of a kind of document for many orders, made by the worker (shop.documents.batches).
    The PDF is kept in the row: the web process and the worker may be on different machines."""

    __tablename__ = "document_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    numbers: Mapped[list[str]] = mapped_column(JSON, default=list)  # the order numbers, in print order
    # queued -> rendering -> done, or failed (error says why)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locale: Mapped[str] = mapped_column(String(8), default="en")  # the requester's, for the error
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
