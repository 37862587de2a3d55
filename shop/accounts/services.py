"""Account verbs: register, authenticate; passwords hashed with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shop.accounts.models import Role, User
from shop.errors import ShopError
from shop.extensions import db

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


class EmailTaken(ShopError):
    code = "email_taken"
    field = "email"
    http_status = 422

    def describe(self) -> str:
        from flask_babel import gettext

        return gettext("An account with this e-mail address already exists; log in instead.")


class BadCredentials(ShopError):
    code = "bad_credentials"
    field = "password"
    http_status = 422

    def describe(self) -> str:
        from flask_babel import gettext

        return gettext("The e-mail address or the password is wrong.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def register_customer(email: str, password: str, *, name: str = "", locale: str = "en") -> User:
    email = email.strip().lower()
    if user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        password_hash=hash_password(password),
        name=name.strip(),
        locale=locale,
        role=Role.CUSTOMER,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    user = user_by_email(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise BadCredentials() from None
    if user is None or not user.active:
        raise BadCredentials()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# --- back office ------------------------------------------------------------------------


class AccountLocked(ShopError):
    code = "account_locked"
    field = "password"
    http_status = 429

    def describe(self) -> str:
        from flask_babel import gettext

        return gettext("Too many failed attempts for this account. Try again in %(minutes)s minutes.", minutes=self.data.get("minutes", 15))


class NotBackOfficeAccount(BadCredentials):
    """A customer account at the back-office door: told as a wrong password, to reveal nothing."""


def _failures_since(email: str, minutes: int) -> int:
    from datetime import timedelta

    from sqlalchemy import func

    from shop.accounts.models import LoginAttempt
    from shop.db_types import utcnow

    since = utcnow() - timedelta(minutes=minutes)
    return db.session.scalar(
        db.select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.at >= since)
    ) or 0


def authenticate_staff(email: str, password: str, *, max_failures: int, window_minutes: int) -> User:
    """Back-office login: per-account lock after repeated failures, whichever process served them."""
    from shop.accounts.models import LoginAttempt

    email = email.strip().lower()
    if _failures_since(email, window_minutes) >= max_failures:
        raise AccountLocked(minutes=window_minutes)
    user = authenticate(email, password)
    if user.role not in (Role.ADMIN, Role.STAFF, Role.COURIER):
        raise NotBackOfficeAccount()
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.email == email))
    return user


def record_failed_login(email: str, address: str) -> None:
    from shop.accounts.models import LoginAttempt

    db.session.add(LoginAttempt(email=email.strip().lower()[:254], address=(address or "")[:64]))
