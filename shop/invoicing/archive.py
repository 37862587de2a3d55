"""A month of invoices and credit notes as one ZIP for the accountant, and the check of the
numbering.

The ZIP is written to a temporary file one PDF at a time (each rendered, written, dropped), so
memory stays that of one document however many the month has; the caller streams the file.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO

from flask_babel import get_timezone
from sqlalchemy import func, select

from shop.extensions import db
from shop.invoicing import pdf
from shop.invoicing.models import Invoice

PAGE = 50  # documents read from the database at a time


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month in the shop's timezone, as aware datetimes [start, end)."""
    zone = get_timezone()
    start = datetime.combine(date(year, month, 1), time(), tzinfo=zone)
    following = date(year + month // 12, month % 12 + 1, 1)
    return start, datetime.combine(following, time(), tzinfo=zone)


def in_month(year: int, month: int):  # noqa: ANN201
    start, end = month_bounds(year, month)
    return Invoice.issued_at >= start, Invoice.issued_at < end


def documents_in_month(year: int, month: int, *, limit: int = 500, after_id: int = 0) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice)
            .where(*in_month(year, month), Invoice.id > after_id)
            .order_by(Invoice.id)
            .limit(limit)
        )
    )


def month_zip(year: int, month: int) -> IO[bytes]:
    """A temporary file (at position 0) holding every invoice and credit note issued in the
    month as PDFs, in folders by kind, plus an index (number, date, order, totals) as CSV."""
    spool = tempfile.TemporaryFile(prefix="invoices-", suffix=".zip")
    index = ["kind;number;issued_at;order_id;currency;net;vat;gross"]
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        after = 0
        while documents := documents_in_month(year, month, limit=PAGE, after_id=after):
            for document in documents:
                folder = "credit-notes" if document.is_credit_note else "invoices"
                archive.writestr(f"{folder}/{document.filename}", pdf.pdf(document))
                index.append(
                    ";".join(
                        str(value)
                        for value in (
                            document.kind.value,
                            document.number,
                            document.issued_at.astimezone(get_timezone()).isoformat(),
                            document.order_id,
                            document.currency,
                            document.net_total,
                            document.tax_total,
                            document.total,
                        )
                    )
                )
            after = documents[-1].id
            db.session.expunge_all()  # the rows rendered so far are not needed again
        archive.writestr("index.csv", "\n".join(index) + "\n")
    spool.seek(0)
    return spool


@dataclass(frozen=True)
class Problem:
    series: str
    year: int
    kind: str  # "gap" or "duplicate"
    sequences: list[int]


def numbering_problems() -> list[Problem]:
    """Every gap (a sequence missing between 1 and the highest) and every duplicate, per series
    and year. Read from the sequences alone: the counter could be wrong too."""
    problems = []
    pairs = db.session.execute(
        select(Invoice.series, Invoice.year).distinct().order_by(Invoice.series, Invoice.year)
    )
    for series, year in pairs.all():
        counts = dict(
            db.session.execute(
                select(Invoice.sequence, func.count())
                .where(Invoice.series == series, Invoice.year == year)
                .group_by(Invoice.sequence)
            ).all()
        )
        duplicates = sorted(sequence for sequence, count in counts.items() if count > 1)
        missing = sorted(set(range(1, max(counts) + 1)) - set(counts))
        if missing:
            problems.append(Problem(series, year, "gap", missing))
        if duplicates:
            problems.append(Problem(series, year, "duplicate", duplicates))
    return problems
