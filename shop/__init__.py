"""The shop: storefront and order back office in one Flask application."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from shop import i18n, readcache, security
from shop.config import Config
from shop.errors import ShopError
from shop.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def _database_url(app: Flask) -> str:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or f"sqlite:///{Path(app.instance_path) / 'shop.sqlite'}"
    # We ship psycopg 3; plain postgresql:// URLs would ask SQLAlchemy for psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    """SQLite: WAL so readers never wait for the writer, a busy timeout so writers queue, foreign keys on."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """pool_pre_ping, but only for a connection that sat in the pool ``idle_seconds`` or more.

    A dead connection (database restarted, idle timeout of a proxy) is found before a request
    uses it, as pool_pre_ping finds it; a connection handed back moments ago, as every one is
    under load, skips the ping's round trip (one in seven of a storefront page's). A failed ping
    raises DisconnectionError: the pool then drops that connection and opens another."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:  # noqa: ANN001  (a new one is alive too)
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since < idle_seconds:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)  # the ping pool_pre_ping sends
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError("the connection did not answer the ping") from error
            raise


def _instance_secret(app: Flask) -> str:
    """A key generated once and kept in the instance folder, so sessions survive restarts
    and every process on this machine signs alike. Several machines must set SECRET_KEY."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    from shop.web import TextConverter

    app.url_map.converters.update(default=TextConverter, string=TextConverter)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    if not app.config.get("TEST_PROVIDER_SECRET"):
        app.config["TEST_PROVIDER_SECRET"] = "testpay:" + app.config["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": 30}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    db.init_app(app)
    ping_after = app.config.get("DATABASE_PING_AFTER_IDLE_SECONDS")
    if ping_after is not None and not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _ping_idle_connections(db.engine, float(ping_after))
    # Batch mode so ALTERs work on SQLite too.
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, default_translation_directories="translations")
    login_manager.init_app(app)
    login_manager.login_view = "storefront.login"
    i18n.init_app(app)
    security.init_app(app)

    from shop import models  # noqa: F401  (every table known to Alembic and the ORM)
    from shop import search as _search  # noqa: F401  (keeps the search columns on every flush)
    from shop.accounts.models import User
    from shop.fulfillment import deliveries as _deliveries  # noqa: F401  (delivery orders for sales orders)
    from shop.notifications import subscribers as notifications
    from shop.orders import services as _orders  # noqa: F401  (subscribes to sales-order events)

    notifications.connect()
    from shop.invoicing import subscribers as invoicing

    invoicing.connect()
    from shop.returns import notifications as returns_notifications

    returns_notifications.connect()

    @login_manager.user_loader
    def _load_user(session_token: str) -> User | None:
        """The cookie names a sign-in session kept on the server; an ended or expired one, or a
        remember-me cookie naming one, is no session."""
        from shop.accounts.sessions import signed_in_user

        return signed_in_user(session_token)

    @app.before_request
    def _load_signed_in_user() -> None:
        """Look the session up before the view runs: the lookup may commit (expiry, "last
        seen"), which must never commit half of a view's work."""
        from flask import request
        from flask_login import current_user

        # Static files and product pictures are the same for everybody and cached publicly:
        # loading no user for them keeps a refreshed session cookie (Set-Cookie) off them.
        if request.endpoint not in ("static", "storefront.picture_file"):
            current_user._get_current_object()

    readcache.init_app(app)  # after the user's look-up, which may commit

    from shop.backoffice import bp as backoffice_bp
    from shop.courier import bp as courier_bp
    from shop.payments import iyzico as _iyzico_provider  # noqa: F401  (registers the "iyzico" provider)
    from shop.payments.iyzico_views import bp as iyzico_bp
    from shop.payments.providers import warn_about_payments
    from shop.payments.views import bp as payments_bp
    from shop.storefront.views import bp as storefront_bp
    from shop.testpay import provider as _testpay_provider  # noqa: F401  (registers the "test" provider)
    from shop.testpay.views import bp as testpay_bp

    app.register_blueprint(storefront_bp)
    app.register_blueprint(backoffice_bp)
    app.register_blueprint(courier_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(testpay_bp)
    app.register_blueprint(iyzico_bp)
    warn_about_payments(app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001  (any failure means: not healthy)
            app.logger.error("health check: database does not answer: %s", error)
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")

    _register_error_pages(app)

    from shop.cli import register as register_cli

    register_cli(app)
    return app


def _register_error_pages(app: Flask) -> None:
    def _page(status: int, message: str):
        if request.path.startswith("/payments/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error=status, message=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        from flask_babel import gettext

        return _page(400, gettext("The form expired or was sent twice. Reload the page and try again."))

    @app.errorhandler(ShopError)
    def _shop_error(error: ShopError):
        db.session.rollback()
        return _page(error.http_status if error.http_status >= 400 else 409, str(error))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        from flask_babel import gettext

        messages = {
            403: gettext("Your account may not open this page."),
            404: gettext("This page does not exist or is no longer available."),
            429: gettext("Too many attempts. Wait a minute and try again."),
            405: gettext("This address does not accept that kind of request."),
            413: gettext("What you sent is too large."),
        }
        return _page(error.code or 500, messages.get(error.code or 500, error.description or ""))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        from flask_babel import gettext

        return _page(500, gettext("Something went wrong on our side. Nothing was changed; please try again."))
