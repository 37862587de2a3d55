"""People who log in: customers in the storefront; admins, staff and couriers in the back office."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db


class Role(enum.StrEnum):
    CUSTOMER = "customer"  # buys in the storefront
    ADMIN = "admin"  # everything, including users and settings
    STAFF = "staff"  # handles orders
    COURIER = "courier"  # sees only their own delivery tasks


class SalesTeam(db.Model):
    __tablename__ = "sales_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)

    members: Mapped[list[User]] = relationship(back_populates="sales_team", order_by="User.id")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.CUSTOMER)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sales (B15): a salesperson belongs to at most one team and takes orders in turn.
    sales_team_id: Mapped[int | None] = mapped_column(ForeignKey("sales_teams.id"))
    salesperson: Mapped[bool] = mapped_column(default=False)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer's account (S4, S7): company data for B2B invoices, prefilled at checkout.
    company_name: Mapped[str] = mapped_column(String(160), default="", server_default="")
    tax_id: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # Set by the e-mailed link (accounts.verification); guest orders are attached only after it.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner deleted the account: the row stays, anonymised, for the orders that name it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sales_team: Mapped[SalesTeam | None] = relationship(back_populates="members")

    # The sign-in session this object was loaded for (set at login and by the user loader, not a
    # column): Flask-Login keeps it in the cookie as the "user id", so a cookie names a session
    # that the server can end, not a user.
    session_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str | None:
        return self.session_token


class SessionArea(enum.StrEnum):
    """Where a session was opened; each has its own idle and absolute lifetime."""

    BACK_OFFICE = "back_office"
    STOREFRONT = "storefront"


class SignInSession(db.Model):
    """A login that is still open. The browser's cookie holds a random token and this row only its
    SHA-256, so a copy of the table opens nobody's session. Logging out deletes the row, and a
    cookie whose row is gone (logout, expiry, a password change) is no session, whichever process
    or machine the request reaches."""

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    area: Mapped[SessionArea] = mapped_column(str_enum(SessionArea))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most every few minutes (sessions.TOUCH_EVERY), so reading a page rarely writes.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Failed logins at either door, so per-account limits hold across every process."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)


class AccountChange(db.Model):
    """Who changed which back-office user or sales team, how, and when (B1, B15).

    ``changes`` maps a field to [before, after]; a password reset records that it happened,
    never the password. ``subject`` keeps the user's e-mail or the team's name as it was, so the
    entry still reads right after a rename or a deleted team.
    """

    __tablename__ = "account_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("sales_teams.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(254), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    by: Mapped[User | None] = relationship(foreign_keys=[by_user_id])


class CustomerAddress(db.Model):
    """A customer's saved address (shop.accounts.addresses): one of them is the default that
    the checkout starts with."""

    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")  # "Home", "Office" (the customer's word)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    address_line: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(80))
    postal_code: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
