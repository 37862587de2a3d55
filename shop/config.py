"""Configuration: defaults here, every value overridable by an environment variable."""

import os
from datetime import timedelta


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


class Config:
    # Unset: create_app keeps a generated key in the instance folder (fine for one machine).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: an SQLite file in the instance folder (set in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle this long is pinged before use (a dead one is replaced); one in
    # use moments ago is not: pool_pre_ping's safety without its round trip on every request.
    # 0 pings at every checkout, as pool_pre_ping does (PostgreSQL; SQLite files need none).
    DATABASE_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_AFTER_IDLE_SECONDS", "10"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; a cart page may stay open for hours
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("SHOP_TIMEZONE", "Europe/Istanbul")
    LANGUAGES = ["en", "tr", "pl", "fa"]
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "shop@localhost")
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", "20"))
    # "smtp" sends through MAIL_SERVER; "log" only writes e-mails to the log (the demo, a shop
    # without a mail server yet): the outbox still shows every message as it would have gone.
    EMAIL_TRANSPORT = os.environ.get("EMAIL_TRANSPORT", "smtp")
    # The shop's public address, for links in e-mails and SMS sent by the worker (no request there).
    SHOP_URL = os.environ.get("SHOP_URL", "http://127.0.0.1:5000")
    # SMS: "log" writes messages to the log and the outbox only; "smsapi" sends through SMSAPI.pl.
    SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "log")
    SMSAPI_TOKEN = os.environ.get("SMSAPI_TOKEN")
    SMSAPI_URL = os.environ.get("SMSAPI_URL", "https://api.smsapi.pl")
    SMS_SENDER = os.environ.get("SMS_SENDER")  # a sender name registered with the provider
    SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "15"))
    # Outbox worker: attempts before a message is marked failed, first retry delay (doubles each
    # time, with jitter), and how long a claimed message stays reserved for the worker that took it.
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
    OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "20"))
    # The built-in test payment provider signs its notifications with this secret.
    TEST_PROVIDER_SECRET = os.environ.get("TEST_PROVIDER_SECRET")  # unset: derived from SECRET_KEY
    # The built-in test provider approves any "card" without taking money: off unless switched on
    # (script/server and the tests do); a production start with it on logs a warning.
    TEST_PAYMENTS_ENABLED = _bool("TEST_PAYMENTS_ENABLED", False)
    # Which registered provider takes card payments. Unset: the test provider when it is on,
    # otherwise none, and checkout does not offer card payment.
    CARD_PAYMENT_PROVIDER = os.environ.get("CARD_PAYMENT_PROVIDER", "")
    # iyzico (CARD_PAYMENT_PROVIDER=iyzico): the merchant's API and secret keys, the API address
    # (sandbox by default; https://api.iyzipay.com for live; http:// only for a fake on loopback),
    # how long to wait for an answer, and the secret its webhooks are signed with (X-IYZ-SIGNATURE-V3,
    # the merchant secret key: unset, the webhook URL answers 404).
    IYZICO_API_KEY = os.environ.get("IYZICO_API_KEY", "")
    IYZICO_SECRET_KEY = os.environ.get("IYZICO_SECRET_KEY", "")
    IYZICO_BASE_URL = os.environ.get("IYZICO_BASE_URL", "https://sandbox-api.iyzipay.com")
    IYZICO_TIMEOUT_SECONDS = float(os.environ.get("IYZICO_TIMEOUT_SECONDS", "20"))
    IYZICO_WEBHOOK_SECRET = os.environ.get("IYZICO_WEBHOOK_SECRET", "")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Product pictures: where their bytes live ("database", or "package.module:ClassName" for an
    # object store), the largest upload (only the upload page accepts more than MAX_CONTENT_LENGTH)
    # and the most pixels a picture may have.
    PICTURE_STORAGE = os.environ.get("PICTURE_STORAGE", "database")
    PICTURE_MAX_BYTES = int(os.environ.get("PICTURE_MAX_BYTES", str(8 * 1024 * 1024)))
    PICTURE_MAX_PIXELS = int(os.environ.get("PICTURE_MAX_PIXELS", "40000000"))
    # Rate limits: memory:// is per process; use redis://host:6379 when several processes serve.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Back-office login: this many failures per account within the window lock it for the window.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    LOGIN_RATE_PER_ADDRESS = os.environ.get("LOGIN_RATE_PER_ADDRESS", "20 per minute")
    # Sign-in sessions live on the server (a table): they end at logout, after this long without
    # a request (idle), or this long after the login whatever happens (absolute).
    BACK_OFFICE_SESSION_IDLE_HOURS = float(os.environ.get("BACK_OFFICE_SESSION_IDLE_HOURS", "8"))
    BACK_OFFICE_SESSION_MAX_DAYS = float(os.environ.get("BACK_OFFICE_SESSION_MAX_DAYS", "7"))
    STOREFRONT_SESSION_IDLE_DAYS = float(os.environ.get("STOREFRONT_SESSION_IDLE_DAYS", "30"))
    STOREFRONT_SESSION_MAX_DAYS = float(os.environ.get("STOREFRONT_SESSION_MAX_DAYS", "90"))
    # The signed cookie only carries the session's token: let it live as long as the longest
    # session may (the server decides sooner). Flask's default would end storefront ones at 31 days.
    PERMANENT_SESSION_LIFETIME = timedelta(days=STOREFRONT_SESSION_MAX_DAYS)
    # So the cookie is written only when the session changed, not re-signed on every page: its
    # lifetime is the absolute maximum from the login (the server ends sessions sooner).
    SESSION_REFRESH_EACH_REQUEST = False
    # A password-reset link works once, within this many seconds.
    PASSWORD_RESET_MAX_AGE_SECONDS = int(os.environ.get("PASSWORD_RESET_MAX_AGE_SECONDS", "3600"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    # Cheap argon2id: hashing strength is not what the suite tests, and it logs in hundreds of times.
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    TEST_PROVIDER_SECRET = "test-provider-secret"
    TEST_PAYMENTS_ENABLED = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL")
