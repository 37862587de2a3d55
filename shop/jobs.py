"""Background jobs the worker claims from a table (catalog imports, document batches): the one
way to take the next due row, so two workers never run the same job, and to report progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, update

from shop.extensions import db


def claim_next(model: Any, due: ColumnElement[bool], **values: Any) -> int | None:
    """Mark the oldest ``due`` row of ``model`` with ``values`` and commit the claim; its id, or
    None when nothing is due (the usual round: a read, not a write)."""
    picked = select(model.id).where(due).order_by(model.id).limit(1)
    if db.session.scalar(picked) is None:
        db.session.commit()
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # As the outbox does: SKIP LOCKED in a CTE, so two workers never take the same row.
        chosen = picked.with_for_update(skip_locked=True).cte("chosen")
        statement = update(model).where(model.id == chosen.c.id)
    else:  # SQLite: one statement under its single write lock
        statement = update(model).where(model.id.in_(picked.scalar_subquery()), due)
    claimed = db.session.execute(
        statement.values(**values).returning(model.id).execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return claimed


def report(model: Any, row_id: int, **values: Any) -> None:
    """Progress on a connection of its own, committed at once, whatever the job's transaction:
    the page polling the row sees it while the job's own changes are not committed yet."""
    with db.engine.begin() as connection:
        connection.execute(update(model).where(model.id == row_id).values(**values))
