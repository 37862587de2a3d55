"""Who changed which warehouse or category, how, and when: the catalog's change history.

One row per change, written by the catalog service that made it, in the same transaction.
``changes`` maps a field to [before, after]; ``subject`` keeps the code or slug as it was, so
an entry still reads right after a rename or a deletion (``object_id`` has no foreign key for
the same reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime, utcnow
from shop.extensions import db


class CatalogChange(db.Model):
    __tablename__ = "catalog_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "warehouse", "category"
    object_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))  # "created", "changed", "moved", "deleted"
    subject: Mapped[str] = mapped_column(String(120), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_catalog_changes_kind_object", "kind", "object_id"),)


def record(
    kind: str, object_id: int, action: str, *, subject: str, changes: dict[str, Any], by_user_id: int | None
) -> CatalogChange:
    change = CatalogChange(
        kind=kind, object_id=object_id, action=action, subject=subject, changes=changes, by_user_id=by_user_id
    )
    db.session.add(change)
    return change


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def recent(kind: str, limit: int = 20) -> list[CatalogChange]:
    return list(
        db.session.scalars(
            db.select(CatalogChange)
            .where(CatalogChange.kind == kind)
            .order_by(CatalogChange.at.desc(), CatalogChange.id.desc())
            .limit(limit)
        )
    )
