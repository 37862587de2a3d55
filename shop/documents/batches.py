"""Batch printing as a worker job: the back office queues the orders, ``flask worker`` makes the
one PDF and keeps it in the row; the batch page polls the progress meanwhile.

Progress is written on a connection of its own (committed at once) so the page sees it move
while the batch's own transaction, which issues dispatch-note numbers, is still open. A worker
that dies mid-batch leaves nothing issued; after STALE_AFTER another worker starts it again.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import or_, select

from shop.accounts.models import User
from shop.db_types import utcnow
from shop.documents import render
from shop.documents.models import DocumentBatch
from shop.extensions import db
from shop.jobs import claim_next, report
from shop.orders.history import Actor
from shop.sales.models import Order

QUEUED, RENDERING, DONE, FAILED = "queued", "rendering", "done", "failed"
RUNNING = (QUEUED, RENDERING)
STALE_AFTER = timedelta(minutes=30)
MAX_ORDERS = 500  # as many as the order list's bulk actions take


class BatchRefused(ValueError):
    """Nothing to print: the message says why, in the requester's language."""


def printable(kind: str, numbers: list[str]) -> list[Order]:
    """The orders of ``numbers`` that have a ``kind`` document, in the order given, once each."""
    # An order number is short printable text (as sales.order_by_number checks); others match nothing.
    wanted = [number for number in numbers if number and len(number) <= 20 and number.isprintable()]
    wanted = list(dict.fromkeys(wanted))[:MAX_ORDERS]
    found = {
        order.number: order for order in db.session.scalars(select(Order).where(Order.number.in_(wanted)))
    }
    return [found[number] for number in wanted if number in found and render.applies(kind, found[number])]


def enqueue(kind: str, numbers: list[str], *, user: User | None, locale: str) -> DocumentBatch:
    """A batch for the worker (the caller commits); refused when no order has that document."""
    if kind not in render.KINDS:
        raise BatchRefused(gettext("Choose a kind of document."))
    orders = printable(kind, numbers)
    if not orders:
        raise BatchRefused(
            gettext("None of the selected orders has a %(document)s.", document=render.KIND_NAMES[kind])
        )
    batch = DocumentBatch(
        kind=kind,
        numbers=[order.number for order in orders],
        status=QUEUED,
        total=len(orders),
        user_id=user.id if user is not None else None,
        locale=locale,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def claim() -> int | None:
    """Take the oldest queued batch (or one whose worker died) and commit the claim; its id."""
    now = utcnow()
    due = or_(
        DocumentBatch.status == QUEUED,
        (DocumentBatch.status == RENDERING) & (DocumentBatch.started_at < now - STALE_AFTER),
    )
    return claim_next(DocumentBatch, due, status=RENDERING, started_at=now, done=0)


def _report(batch_id: int, **values: object) -> None:
    report(DocumentBatch, batch_id, **values)


def run(batch_id: int) -> DocumentBatch:
    """Make the batch's PDF (orders that no longer have the document are left out)."""
    batch = db.session.get(DocumentBatch, batch_id)
    user = db.session.get(User, batch.user_id) if batch.user_id else None
    by = Actor.user(user) if user is not None else Actor.system()
    orders = printable(batch.kind, batch.numbers)
    if not orders:  # cancelled (or changed to another delivery) since they were selected
        with force_locale(batch.locale or "en"):
            message = gettext(
                "None of the selected orders has a %(document)s.", document=render.KIND_NAMES[batch.kind]
            )
        batch.status, batch.error, batch.finished_at = FAILED, message[:500], utcnow()
        db.session.commit()
        return batch
    # A request context on the shop's address: templates build URLs (tracking page) and use g.
    with current_app.test_request_context(base_url=current_app.config["SHOP_URL"]):
        pdf = render.pdf_for(batch.kind, orders, by=by, progress=lambda done: _report(batch_id, done=done))
    batch.pdf, batch.status, batch.done, batch.total = pdf, DONE, len(orders), len(orders)
    batch.finished_at = utcnow()
    db.session.commit()  # the PDF and the dispatch-note numbers in it, together
    return batch


def run_queued() -> int:
    """Every batch waiting now (the worker's round); how many ran. A batch that breaks is marked
    failed and the worker goes on."""
    ran = 0
    while (batch_id := claim()) is not None:
        try:
            run(batch_id)
        except Exception:  # noqa: BLE001  (one broken batch must not stop the worker)
            db.session.rollback()
            current_app.logger.exception("document batch %s failed", batch_id)
            batch = db.session.get(DocumentBatch, batch_id)
            with force_locale(batch.locale or "en"):
                message = gettext("The batch stopped on an unexpected error; print it again.")
            _report(batch_id, status=FAILED, error=message[:500], finished_at=utcnow())
        ran += 1
    return ran
