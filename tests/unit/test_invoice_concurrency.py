"""Invoice numbers under concurrency (issue 13): 8 connections issuing hundreds of invoices
each at the same moment, some of them rolling back (their numbers must come back), and the
same orders asked for by two connections at once (one invoice each). No gap, no duplicate.

PostgreSQL is the real test (row lock on the counter); SQLite runs a smaller version (one
writer at a time, the busy timeout makes the others wait)."""

from __future__ import annotations

import multiprocessing
import time

from sqlalchemy import func, select, text

from shop.documents.models import DocumentCounter
from shop.extensions import db
from shop.invoicing import archive, services
from shop.invoicing.errors import InvoiceRefused
from shop.invoicing.models import Invoice
from shop.orders.history import Actor
from shop.sales.models import Order, OrderState, PaymentMethod

CONNECTIONS = 8
ROLLBACK_EVERY = 9  # each connection rolls back every 9th issue, then issues that order again


def _orders(count: int) -> list[int]:
    """Sales orders with no lines (the numbering is what is measured), added in one go."""
    orders = [
        Order(
            number=f"C{index:06d}",
            state=OrderState.SALES_ORDER,
            currency="TRY",
            locale="en",
            name=f"Customer {index}",
            payment_method=PaymentMethod.CASH,
        )
        for index in range(count)
    ]
    db.session.add_all(orders)
    db.session.commit()
    return [order.id for order in orders]


def _issuer(app, order_ids: list[int], start, results) -> None:  # noqa: ANN001
    """One connection's work, in a process of its own (forked: its own connection, its own
    interpreter, so the test measures the database's locking, not Python's)."""
    refused, errors = 0, []
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections are not ours to use
    with app.test_request_context():
        try:
            if db.engine.dialect.name == "postgresql":
                # Durability is not under test: commits need not wait for the disk (4 ms each
                # here), which would otherwise be most of the run. Locking is unchanged.
                db.session.execute(text("SET synchronous_commit = off"))
                db.session.commit()
            start.wait()
            for index, order_id in enumerate(order_ids):
                try:
                    services.issue_invoice(db.session.get(Order, order_id), by=Actor.system())
                    if index % ROLLBACK_EVERY == 0:
                        db.session.rollback()  # the number goes back with the transaction
                        services.issue_invoice(db.session.get(Order, order_id), by=Actor.system())
                    db.session.commit()
                except InvoiceRefused:  # the other connection issued this one first
                    db.session.rollback()
                    refused += 1
        except Exception as error:  # noqa: BLE001  (reported by the test)
            db.session.rollback()
            errors.append(repr(error))
        finally:
            db.session.remove()
    results.put((refused, errors))


def _issue_all(app, shares: list[list[int]]) -> tuple[list[str], int]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(shares), timeout=60)
    results = context.Queue()
    workers = [context.Process(target=_issuer, args=(app, share, start, results)) for share in shares]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    return [error for _, errors in answers for error in errors], sum(refused for refused, _ in answers)


def test_many_connections_issue_gapless_unique_numbers(app):
    postgres = db.engine.dialect.name == "postgresql"
    each = 200 if postgres else 15  # "hundreds each" on PostgreSQL; SQLite has one writer anyway
    order_ids = _orders(CONNECTIONS * each)
    shares = [order_ids[n * each : (n + 1) * each] for n in range(CONNECTIONS)]
    # The last 10 orders of each connection are also the first 10 of the next one's.
    contested = 10
    shares = [share + shares[(n + 1) % CONNECTIONS][:contested] for n, share in enumerate(shares)]
    db.session.remove()
    db.engine.dispose()  # no connection of ours is copied into the forked processes
    started = time.monotonic()

    errors, refused = _issue_all(app, shares)

    took = time.monotonic() - started
    assert errors == []
    assert refused == CONNECTIONS * contested  # each contested order: one invoice, one refusal
    sequences = sorted(db.session.scalars(select(Invoice.sequence)))
    assert sequences == list(range(1, len(order_ids) + 1))
    assert db.session.scalar(
        select(DocumentCounter.last_number).where(DocumentCounter.series == "invoice")
    ) == len(order_ids)
    assert db.session.scalar(select(func.count(func.distinct(Invoice.order_id)))) == len(order_ids)
    assert archive.numbering_problems() == []
    assert took < 60, f"{len(order_ids)} invoices took {took:.1f} s"
