"""Pooled connections are pinged before use only after sitting idle (shop._ping_idle_connections):
a connection handed back moments ago skips the round trip, an idle one is checked, and a dead
one is replaced without the request seeing an error."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

import shop
from shop.extensions import db


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(shop.time, "monotonic", clock)
    return clock


def _engine(tmp_path, monkeypatch, pings: list[int]):  # noqa: ANN202
    engine = create_engine(f"sqlite:///{tmp_path / 'ping.sqlite'}", poolclass=QueuePool, pool_size=1)
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or real(connection))
    shop._ping_idle_connections(engine, 10)
    return engine


def _query(engine) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar_one()


def test_a_connection_used_moments_ago_is_not_pinged_and_one_idle_for_long_is(tmp_path, monkeypatch, clock):
    pings: list[int] = []
    engine = _engine(tmp_path, monkeypatch, pings)

    _query(engine)  # a new connection: alive
    clock.now += 9
    _query(engine)
    assert pings == []

    clock.now += 10
    assert _query(engine) == 1
    assert pings == [1]


def test_a_dead_idle_connection_is_replaced_before_the_query_runs(tmp_path, monkeypatch, clock):
    engine = create_engine(f"sqlite:///{tmp_path / 'dead.sqlite'}", poolclass=QueuePool, pool_size=1)
    shop._ping_idle_connections(engine, 10)
    with engine.connect() as connection:
        first = connection.connection.dbapi_connection
    first.close()  # as a database restart leaves it
    clock.now += 60

    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
        assert connection.connection.dbapi_connection is not first


def test_on_postgresql_a_backend_ended_while_idle_costs_no_request(app, clock):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("ends a PostgreSQL backend")
    db.session.remove()
    doomed, other = db.engine.connect(), db.engine.connect()
    pid = doomed.execute(text("SELECT pg_backend_pid()")).scalar_one()
    doomed.commit()  # back in the pool with nothing to roll back: the pool does not notice
    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.commit()
    doomed.close()
    other.close()
    clock.now += 3600  # both pooled connections idle past the limit

    first, second = db.engine.connect(), db.engine.connect()  # one of them was the ended one
    try:
        assert first.execute(text("SELECT 1")).scalar_one() == 1
        assert second.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        first.close()
        second.close()
