"""Counting the SQL statements a page or a call runs: the tests that hold the number of
statements to a bound, whatever the number of products, lines or tasks shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from shop import readcache
from shop.extensions import db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


@contextmanager
def statements(*, kept: bool = False) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block.

    Unless ``kept``, what GET pages keep for the database's revision (shop.readcache) is
    forgotten first, so a page asked for inside the block is built from the database, as after
    any commit: the statements a bound is about, the same whether or not an earlier request
    happened to be served by the same pooled connection."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        seen.append(statement)

    if not kept:
        readcache.clear()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
