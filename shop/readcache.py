"""What GET pages read of the settings and the catalog, kept in the process between requests for
as long as the database has not changed.

Every visitor's home page reads the same settings, categories and product cards, and the
database gives the same answers until some transaction commits. So a request asks the database
for a *revision* once, before its first cached read:

- PostgreSQL: ``pg_current_snapshot()``, the transaction ids still running and the first not
  yet finished. While its text stays the same, no transaction has committed anywhere in the
  database server since: a commit, from any process on any machine, either takes its id out
  of the running ones or moves the first unfinished one on, and a text never comes back.
- SQLite: ``PRAGMA data_version`` of the request's connection, which changes when any other
  connection commits, with the commits made on that connection itself and the connection's
  serial number in this process.

Reads are kept under (app, revision, kind, key). A request whose revision has an entry serves
it without asking the database anything else; entries of a past revision are never asked for
again. What a request reads after taking its revision is that state or a newer one, and a newer
state has another revision, so an entry never holds what the database no longer holds: a price,
stock, category or setting change shows on the next request, whichever process serves it.

Only GET and HEAD requests use it (switched on in before_request, so tests, the worker and
commands, which run outside a request's dispatch, always read the database), and only while the
request's own transaction has written nothing (rows it has not committed are in no revision):
a statement that writes turns keeping off until the request commits, and a commit drops the
request's revision, so the next read takes a new one.

What is kept is shared by every request of the process: values must be immutable (frozen
dataclasses, tuples; never ORM objects, which belong to one session).
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from shop.extensions import db

T = TypeVar("T")

# Entries of every revision together, oldest dropped first: a list page's cards are some 30 KB,
# so a process keeps at most a few tens of MB. Entries of past revisions are never asked for
# again and go as new ones come.
MAX_ENTRIES = 2000

_ON, _REVISION = "_readcache_on", "_readcache_revision"
_MISSING = object()
_lock = Lock()
_kept: OrderedDict[tuple, object] = OrderedDict()
_serials = itertools.count(1)


@event.listens_for(Engine, "connect")
def _number_connection(_dbapi_connection, record) -> None:  # noqa: ANN001
    # A serial, not id(): a closed connection's address may be given to the next one.
    record.info["readcache_serial"] = next(_serials)
    record.info["readcache_commits"] = 0


# Statements that change data (or may: a WITH can hold an UPDATE).
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|WITH|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute")
def _writing(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:  # noqa: ANN001
    # Until it commits, what this request reads may hold its own writes, which are in no
    # revision: nothing is kept or served from a revision taken before them.
    if _WRITE.match(statement) and has_request_context():
        setattr(g, _REVISION, None)


@event.listens_for(Engine, "commit")
def _committed(connection) -> None:  # noqa: ANN001
    # SQLite's data_version does not change for the connection that committed: count them.
    connection.info["readcache_commits"] = connection.info.get("readcache_commits", 0) + 1
    if has_request_context():
        g.pop(_REVISION, None)


def init_app(app: Flask) -> None:
    app.extensions["readcache"] = secrets.token_hex(8)  # apps in one process never share entries

    @app.before_request
    def _switch_on() -> None:
        if request.method in ("GET", "HEAD"):
            setattr(g, _ON, True)


def remember(kind: str, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``'s value for (``kind``, ``key``) at the database's current revision: kept from an
    earlier request of this revision, or read now and kept. Outside a GET request, read now."""
    revision = _revision()
    if revision is None:
        return read()
    entry = (current_app.extensions["readcache"], revision, kind, key)
    value = _kept.get(entry, _MISSING)
    if value is not _MISSING:
        return value
    value = read()
    if g.get(_REVISION, _MISSING) != revision:  # the read wrote or committed: not kept
        return value
    with _lock:
        _kept[entry] = value
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)
    return value


def _revision() -> Hashable | None:
    """The request's revision, taken once; None when reads must not be kept."""
    if not has_request_context() or not g.get(_ON):
        return None
    revision = g.get(_REVISION, _MISSING)
    if revision is _MISSING:
        revision = _read_revision()
        setattr(g, _REVISION, revision)
    return revision


def _read_revision() -> Hashable | None:
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        snapshot, unwritten = connection.exec_driver_sql(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL"
        ).one()
        return snapshot if unwritten else None
    if dialect == "sqlite":
        if connection.connection.dbapi_connection.in_transaction:  # pysqlite begins before a write
            return None
        version = connection.exec_driver_sql("PRAGMA data_version").scalar()
        info = connection.info
        if "readcache_serial" not in info:  # connected before this module listened
            return None
        return (info["readcache_serial"], version, info["readcache_commits"])
    return None


def clear() -> None:
    """Forget everything kept (tests that change the database behind SQLAlchemy's back)."""
    with _lock:
        _kept.clear()
