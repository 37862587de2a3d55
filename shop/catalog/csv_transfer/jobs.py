"""A catalog import as a worker job: queued by the back office, claimed and run by ``flask worker``.

The catalog changes commit once, at the end, with the import's outcome; progress (rows done)
is written meanwhile on a connection of its own, in short transactions, so the page polling
it sees it move. A worker that dies mid-import leaves nothing imported; after STALE_AFTER its
claim lapses and another worker starts the import again.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from shop.accounts.models import User
from shop.catalog.csv_transfer import columns, importer
from shop.catalog.models import CatalogImport
from shop.catalog.stock import StockRefused
from shop.db_types import utcnow
from shop.extensions import db
from shop.jobs import claim_next, report
from shop.orders.history import Actor

QUEUED, VALIDATING, APPLYING, DONE, FAILED = "queued", "validating", "applying", "done", "failed"
RUNNING = (QUEUED, VALIDATING, APPLYING)
STALE_AFTER = timedelta(minutes=30)
MAX_ERRORS_KEPT = 1000


def enqueue(
    content: bytes, *, filename: str, separator: str, user: User | None, locale: str
) -> CatalogImport:
    """A file for the worker (the caller commits). Nothing is read here: the worker checks it all."""
    job = CatalogImport(
        status=QUEUED,
        filename=(filename or "")[:255],
        content=content,
        separator=separator if separator in columns.SEPARATORS else "",
        user_id=user.id if user is not None else None,
        locale=locale,
        errors=[],
        summary={},
    )
    db.session.add(job)
    db.session.flush()
    return job


def claim() -> int | None:
    """Take the oldest queued import (or one whose worker died) and commit the claim; its id."""
    now = utcnow()
    due = or_(
        CatalogImport.status == QUEUED,
        (CatalogImport.status.in_((VALIDATING, APPLYING))) & (CatalogImport.started_at < now - STALE_AFTER),
    )
    return claim_next(CatalogImport, due, status=VALIDATING, started_at=now, rows_done=0)


def _report(job_id: int, **values: object) -> None:
    report(CatalogImport, job_id, **values)


def run(job_id: int) -> CatalogImport:
    """Check the file, then import it in one transaction; the outcome is on the row."""
    job = db.session.get(CatalogImport, job_id)
    with force_locale(job.locale or "en"):
        started = time.monotonic()
        user = db.session.get(User, job.user_id) if job.user_id else None
        by = Actor.user(user) if user is not None else Actor.system("import")
        content, separator = job.content, job.separator
        db.session.commit()  # nothing held while the file is read
        try:
            table = columns.read(content, separator)
        except columns.FileRefused as refusal:
            return _fail(job_id, [{"row": None, "column": "", "message": str(refusal)}])
        _report(job_id, rows_total=len(table.rows), separator=table.separator)
        plan, problems = importer.check(table, progress=lambda done: _report(job_id, rows_done=done))
        checked = time.monotonic()
        if plan is None:
            db.session.rollback()
            return _fail(job_id, problems)
        _report(job_id, status=APPLYING, rows_done=0)
        try:
            summary = importer.apply(
                plan, by=by, import_id=job_id, progress=lambda done: _report(job_id, rows_done=done)
            )
        except (IntegrityError, StockRefused) as error:
            # Someone changed the catalog between the check and the import (a SKU taken, units
            # reserved): the database refused, nothing was imported.
            db.session.rollback()
            current_app.logger.warning("catalog import %s refused while applying: %s", job_id, error)
            message = (
                str(error)
                if isinstance(error, StockRefused)
                else gettext(
                    "The catalog changed while the file was being imported."
                    " Nothing was imported; upload it again."
                )
            )
            return _fail(job_id, [{"row": None, "column": "", "message": message}])
        job = db.session.get(CatalogImport, job_id)
        job.status, job.rows_done, job.rows_total = DONE, plan.rows, plan.rows
        finished = time.monotonic()
        job.summary = {
            **summary.as_dict(),
            "seconds": round(finished - started, 2),
            "validate_s": round(checked - started, 2),
            "apply_s": round(finished - checked, 2),
        }
        job.errors, job.finished_at = [], utcnow()
        db.session.commit()
        return job


def _fail(job_id: int, problems: list[dict]) -> CatalogImport:
    job = db.session.get(CatalogImport, job_id)
    db.session.refresh(job)
    job.status, job.finished_at = FAILED, utcnow()
    job.errors = problems[:MAX_ERRORS_KEPT]
    job.summary = {"errors": len(problems)}
    db.session.commit()
    return job


def run_queued() -> int:
    """Every import waiting now, one after another (the worker's round); how many ran. An
    import that breaks unexpectedly is marked failed and the worker goes on."""
    ran = 0
    while (job_id := claim()) is not None:
        try:
            run(job_id)
        except Exception:  # noqa: BLE001  (a bug met by one file must not stop the worker)
            db.session.rollback()
            current_app.logger.exception("catalog import %s failed unexpectedly", job_id)
            job = db.session.get(CatalogImport, job_id)
            with force_locale(job.locale or "en"):
                message = gettext("The import stopped on an unexpected error. Nothing was imported.")
            _fail(job_id, [{"row": None, "column": "", "message": message}])
        ran += 1
    return ran
