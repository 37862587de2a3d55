"""Where the bytes of product pictures live: behind one small interface, chosen by PICTURE_STORAGE.

The default keeps them in the database (the ``picture_files`` table), so every web process on
every machine serves the same pictures with nothing on local disk, and a picture is stored in
the same transaction as its row: a refused or rolled-back upload leaves nothing behind. An
object store (S3 and the like) is a class with the same three methods, named in the setting
as ``package.module:ClassName``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from flask import current_app
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class PictureStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class PictureFile(db.Model):
    """One stored rendition (DatabaseStorage)."""

    __tablename__ = "picture_files"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DatabaseStorage:
    """Bytes in the database, written and removed in the caller's transaction."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        db.session.merge(PictureFile(key=key, data=data, content_type=content_type))

    def get(self, key: str) -> bytes | None:
        return db.session.scalar(db.select(PictureFile.data).where(PictureFile.key == key))

    def delete(self, key: str) -> None:
        db.session.execute(db.delete(PictureFile).where(PictureFile.key == key))


BUILT_IN = {"database": DatabaseStorage}


def picture_storage() -> PictureStorage:
    """The configured storage: ``database`` (the default) or ``package.module:ClassName``."""
    name = current_app.config.get("PICTURE_STORAGE") or "database"
    if name in BUILT_IN:
        return BUILT_IN[name]()
    module, _, class_name = name.partition(":")
    if not class_name:
        raise RuntimeError(f"PICTURE_STORAGE must be 'database' or 'package.module:ClassName', not {name!r}")
    return getattr(import_module(module), class_name)()
