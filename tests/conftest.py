"""Fixtures: one app and schema per run (built by the migrations), a clean database per test.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from shop import create_app
from shop.config import TestConfig
from shop.extensions import db, limiter
from shop.orders.defaults import install_default_statuses

pytest_plugins = ["tests.factories", "tests.fake_iyzico"]


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = _database_url(tmp_path_factory)
    config["SERVER_NAME"] = None
    app = create_app(config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Start from an empty schema, so the migrations are what builds it.
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _wipe(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
        # A new shop has the default statuses (a data migration); every test starts from one.
        install_default_statuses()
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def ctx(app: Flask) -> Iterator[None]:
    """Every test runs in an app context on an empty database, with no login counted against
    the per-address limit yet (the suite logs in from one address hundreds of times a minute)."""
    limiter.reset()
    with app.test_request_context():
        yield
        db.session.remove()
    _wipe(app)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: otherwise it would reuse the
    test's app context (its ``g``, cached CSRF token, user, locale and database session)."""

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return IsolatedClient(app, app.response_class, use_cookies=True)
