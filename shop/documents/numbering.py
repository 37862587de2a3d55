"""Gapless numbers: a counter row per series and year, locked by the transaction that issues.

The counter is raised with one ``UPDATE ... RETURNING``: on PostgreSQL that takes the row lock
(what ``SELECT ... FOR UPDATE`` takes) and holds it until the issuing transaction ends, so a
second issuer waits and then gets the next number; on SQLite the UPDATE takes the database's
write lock. A transaction that rolls back gives its number back with it: no gaps, no
duplicates (a sequence would leave gaps). No savepoints: pysqlite would commit on releasing one
opened before any write.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_timezone
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.db_types import utcnow
from shop.documents.models import DocumentCounter, IssuedDocument
from shop.extensions import db
from shop.orders import history
from shop.orders.history import Actor
from shop.sales.models import Order

DISPATCH_NOTE = "dispatch-note"
# Turkish e-irsaliye numbers: a 3-letter series, the year, a 9-digit sequence (16 characters).
PREFIXES = {DISPATCH_NOTE: "IRS"}


def _raise_counter(series: str, year: int, by: int):  # noqa: ANN202
    return (
        update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last_number=DocumentCounter.last_number + by)
        .returning(DocumentCounter.last_number)
        .execution_options(synchronize_session=False)
    )


def next_number(series: str, year: int) -> int:
    """The series' next number for the year, in the caller's transaction (which it locks)."""
    number = db.session.execute(_raise_counter(series, year, 1)).scalar()
    if number is not None:
        return number
    # The series' first number this year: create its row (once, whoever comes first), then count.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DocumentCounter).values(series=series, year=year, last_number=0).on_conflict_do_nothing()
    )
    return db.session.execute(_raise_counter(series, year, 1)).scalar_one()


def give_back(series: str, year: int) -> None:
    """Return the number just taken, unused: nobody can have taken a later one while the caller's
    transaction holds the series."""
    db.session.execute(_raise_counter(series, year, -1))


def shop_year(moment: datetime) -> int:
    """The year a document issued at ``moment`` is numbered in: the shop's calendar, not UTC's."""
    return moment.astimezone(get_timezone()).year


def issued(order: Order, kind: str) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument).where(IssuedDocument.order_id == order.id, IssuedDocument.kind == kind)
    )


def issue(order: Order, kind: str, *, by: Actor, now: datetime | None = None) -> IssuedDocument:
    """The order's numbered document of ``kind``: the one issued before (a reprint keeps its
    number), or a new one with the series' next number, recorded in the order's history. In
    the caller's transaction."""
    existing = issued(order, kind)
    if existing is not None:
        return existing
    now = now or utcnow()
    year = shop_year(now)
    sequence = next_number(kind, year)  # the series is ours until the transaction ends
    existing = issued(order, kind)  # issued by someone else while this waited for the series
    if existing is not None:
        give_back(kind, year)
        return existing
    document = IssuedDocument(
        order_id=order.id,
        kind=kind,
        series=kind,
        year=year,
        sequence=sequence,
        number=f"{PREFIXES[kind]}{year}{sequence:09d}",
        issued_at=now,
        user_id=by.id if by.kind == "user" else None,
    )
    db.session.add(document)
    db.session.flush()
    history.record(order, by=by, kind="document", after=kind, note=document.number)
    return document
