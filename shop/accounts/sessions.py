"""Sign-in sessions kept on the server (one row per login), so that logging out really ends one.

The browser's signed cookie carries a random token; the database keeps its SHA-256 with the
area, when the session opened and when it was last seen. Every request looks the token up
(``signed_in_user``): no row, or a row past its idle or absolute lifetime, is no session. Rows
live in the shop's database, so every web process and machine sees the same ones (SQLite for
one machine, PostgreSQL for several); nothing is kept in a process.

Lifetimes per area come from the configuration: the back office 8 hours idle and 7 days at
most by default, the storefront 30 and 90 days.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import joinedload

from shop.accounts.models import Role, SessionArea, SignInSession, User
from shop.db_types import utcnow
from shop.extensions import db

# "Last seen" is written at most this often: reading pages should not write on every request,
# and an idle limit counted in hours does not need more precision.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def area_of(user: User) -> SessionArea:
    return SessionArea.STOREFRONT if user.role == Role.CUSTOMER else SessionArea.BACK_OFFICE


def lifetimes(area: SessionArea) -> tuple[timedelta, timedelta]:
    """(idle, absolute) lifetime of a session of ``area``."""
    config = current_app.config
    if area == SessionArea.BACK_OFFICE:
        return (
            timedelta(hours=config["BACK_OFFICE_SESSION_IDLE_HOURS"]),
            timedelta(days=config["BACK_OFFICE_SESSION_MAX_DAYS"]),
        )
    return (
        timedelta(days=config["STOREFRONT_SESSION_IDLE_DAYS"]),
        timedelta(days=config["STOREFRONT_SESSION_MAX_DAYS"]),
    )


def open_session(user: User) -> str:
    """A new session for ``user``; returns the token for the cookie (kept nowhere else)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        SignInSession(
            token_hash=_digest(token), user_id=user.id, area=area_of(user), created_at=now, last_seen_at=now
        )
    )
    user.session_token = token
    return token


def _expired(row: SignInSession, now: datetime) -> bool:
    idle, absolute = lifetimes(row.area)
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def signed_in_user(token: object) -> User | None:
    """The user whose open session ``token`` names, or None. Commits: an expired session is
    deleted, and "last seen" moves on at most every TOUCH_EVERY. Called by the user loader
    before the view runs (shop.create_app), so it commits nothing of the view's."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(SignInSession)
        .where(SignInSession.token_hash == _digest(token))
        .options(joinedload(SignInSession.user))
    )
    if row is None:
        return None
    now = utcnow()
    user = row.user
    # Statements rather than ORM changes: a request running at the same moment may have ended
    # this session already (logout everywhere), and the ORM would call that an error.
    if _expired(row, now) or not user.active:
        db.session.execute(delete(SignInSession).where(SignInSession.id == row.id))
        db.session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        db.session.execute(update(SignInSession).where(SignInSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    user.session_token = token
    return user


def end_session(token: object) -> None:
    """Logging out: the session named by ``token`` ends, on every process at once."""
    if isinstance(token, str) and token:
        db.session.execute(delete(SignInSession).where(SignInSession.token_hash == _digest(token)))


def end_all_sessions(user: User, *, except_token: str | None = None) -> int:
    """"Log out everywhere", a password change (keeping the session that made it), a reset or a
    deactivation: the user's sessions end. Returns how many ended."""
    query = delete(SignInSession).where(SignInSession.user_id == user.id)
    if except_token:
        query = query.where(SignInSession.token_hash != _digest(except_token))
    return db.session.execute(query).rowcount or 0


def open_sessions(user: User) -> int:
    return db.session.scalar(
        select(db.func.count()).select_from(SignInSession).where(SignInSession.user_id == user.id)
    )


def purge_expired_sessions(now: datetime | None = None) -> int:
    """Delete sessions past their lifetime (nobody can use them any more); returns how many."""
    now = now or utcnow()
    expired = []
    for area in SessionArea:
        idle, absolute = lifetimes(area)
        expired.append(
            and_(
                SignInSession.area == area,
                or_(SignInSession.last_seen_at < now - idle, SignInSession.created_at < now - absolute),
            )
        )
    return db.session.execute(delete(SignInSession).where(or_(*expired))).rowcount or 0
