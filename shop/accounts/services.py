"""Account verbs: register, authenticate; passwords hashed with argon2id."""

from __future__ import annotations

import enum

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext
from sqlalchemy import func

from shop.accounts.models import AccountChange, LoginAttempt, Role, SalesTeam, User
from shop.accounts.strength import (  # noqa: F401  (re-exported: callers know them from here)
    PASSWORD_MAX,
    PASSWORD_MIN,
    GuessablePassword,
    WeakPassword,
    check_new_password,
)
from shop.errors import ShopError
from shop.extensions import db

_hashers: dict[tuple, PasswordHasher] = {}


def _hasher() -> PasswordHasher:
    """argon2id with the library's recommended parameters, unless PASSWORD_HASH_PARAMS says
    otherwise (the test suite uses cheap ones: it logs in hundreds of times)."""
    from flask import current_app, has_app_context

    params = (current_app.config.get("PASSWORD_HASH_PARAMS") or {}) if has_app_context() else {}
    key = tuple(sorted(params.items()))
    if key not in _hashers:
        _hashers[key] = PasswordHasher(**params)
    return _hashers[key]


_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both cases take the same time."""
    hasher = _hasher()
    if id(hasher) not in _dummy_hashes:
        _dummy_hashes[id(hasher)] = hasher.hash("not a real password")
    return _dummy_hashes[id(hasher)]


class EmailTaken(ShopError):
    code = "email_taken"
    field = "email"
    http_status = 422

    def describe(self) -> str:
        return gettext("An account with this e-mail address already exists; log in instead.")


def _lock_rule(data: dict) -> str:
    """The lock rule, said after every wrong password (the refusal carries the shop's numbers)."""
    return gettext(
        "After %(count)s failed attempts an account is locked for %(minutes)s minutes.",
        count=data.get("count", 5),
        minutes=data.get("minutes", 15),
    )


class BadCredentials(ShopError):
    """Every refused login, whatever the reason: unknown e-mail, wrong password, locked account,
    inactive account, or an account for the other door. One message, one status, and the same
    password-hashing work, so the answer tells an attacker nothing."""

    code = "bad_credentials"
    field = "password"
    http_status = 422

    def describe(self) -> str:
        return f"{gettext('The e-mail address or the password is wrong.')} {_lock_rule(self.data)}"


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == (email or "").strip().lower()))


def password_inputs(email: str, name: str = "") -> list[str]:
    """What a password must not be built from: the person's e-mail and name, the shop's name."""
    from shop.settings import services as settings

    return [email, name, settings.current().shop_name]


def register_customer(email: str, password: str, *, name: str = "", locale: str = "en") -> User:
    email = email.strip().lower()
    check_new_password(password, user_inputs=password_inputs(email, name))
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


# --- logging in: one path for both doors -----------------------------------------------------


class Door(enum.StrEnum):
    """The login form used: each lets in its own accounts only."""

    STOREFRONT = "storefront"  # customers
    BACK_OFFICE = "back_office"  # admins, staff and couriers


def _password_matches(user: User | None, password: str) -> bool:
    """argon2 verification, run once whether or not the account exists, so both take as long."""
    try:
        return _hasher().verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return False


def _lock_rules() -> tuple[int, int]:
    from flask import current_app

    return current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"]


def _failures_since(email: str, minutes: int) -> int:
    from datetime import timedelta

    from shop.db_types import utcnow

    since = utcnow() - timedelta(minutes=minutes)
    return (
        db.session.scalar(
            db.select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.email == email, LoginAttempt.at >= since)
        )
        or 0
    )


def account_locked(email: str) -> bool:
    """LOGIN_MAX_FAILURES failures within the window lock the account, at every door, whichever
    process served them (they are counted in the database)."""
    max_failures, window = _lock_rules()
    return _failures_since(email.strip().lower(), window) >= max_failures


def _refused(email: str, address: str) -> BadCredentials:
    """The failure is recorded in the session (the caller commits it, even though it refuses)."""
    max_failures, window = _lock_rules()
    record_failed_login(email, address)
    return BadCredentials(count=max_failures, minutes=window)


def log_in(email: str, password: str, *, door: Door, address: str) -> User:
    """The one way a password opens an account, at either door.

    Refused (BadCredentials, the failure recorded for the per-account lock) when the account is
    locked, unknown, inactive, the password is wrong, or the account belongs to the other door:
    a back-office account cannot open a storefront session, nor a customer the back office. On
    success the account's failures are forgotten and an outdated hash is upgraded. The
    per-address limit is the views' (shop.web.login_rate_limit)."""
    email = (email or "").strip().lower()
    user = user_by_email(email)
    locked = account_locked(email)
    matches = _password_matches(user, password)
    allowed = BACK_OFFICE_ROLES if door == Door.BACK_OFFICE else (Role.CUSTOMER,)
    if locked or not matches or user is None or not user.active or user.role not in allowed:
        raise _refused(email, address)
    _clear_failed_logins(email)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _clear_failed_logins(email: str) -> None:
    """A successful login or a new password ends the account's lock."""
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.email == email))


def record_failed_login(email: str, address: str) -> None:
    db.session.add(LoginAttempt(email=email.strip().lower()[:254], address=(address or "")[:64]))


def purge_login_attempts() -> int:
    """Failures older than the lock window count for nothing any more."""
    from datetime import timedelta

    from shop.db_types import utcnow

    _max_failures, window = _lock_rules()
    since = utcnow() - timedelta(minutes=window)
    return db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.at < since)).rowcount or 0


# --- passwords a person chooses ---------------------------------------------------------------


class WrongCurrentPassword(ShopError):
    code = "wrong_current_password"
    field = "current_password"
    http_status = 422

    def describe(self) -> str:
        return f"{gettext('This is not your current password.')} {_lock_rule(self.data)}"


def set_password(user: User, password: str) -> None:
    """Store a new password (already checked): failed-login locks lift, and reset links sent
    earlier stop working (they carry a fingerprint of the old hash). Ending sessions is the
    caller's choice: see change_password and the reset flows."""
    user.password_hash = hash_password(password)
    _clear_failed_logins(user.email)


def confirm_own_password(user: User, password: str, *, address: str) -> None:
    """A signed-in person proves they know their password before a change that needs it (a new
    password, deleting the account). A wrong one counts as a failed login (the same lock), so a
    borrowed session cannot be used to guess it."""
    max_failures, window = _lock_rules()
    locked = account_locked(user.email)
    if not _password_matches(user, password) or locked:
        record_failed_login(user.email, address)
        raise WrongCurrentPassword(count=max_failures, minutes=window)


def change_password(user: User, current_password: str, new_password: str, *, address: str) -> User:
    """A signed-in person changes their own password, proving they know the current one. A wrong
    current password counts as a failed login (the same lock), so a borrowed session cannot be
    used to guess it. Every other session of the user ends; the one in use stays."""
    from shop.accounts import sessions

    confirm_own_password(user, current_password, address=address)
    check_new_password(new_password, user_inputs=password_inputs(user.email, user.name))
    set_password(user, new_password)
    sessions.end_all_sessions(user, except_token=user.session_token)
    return user


# --- managing back-office users and sales teams (admins only; the views check the role) ---

BACK_OFFICE_ROLES = (Role.ADMIN, Role.STAFF, Role.COURIER)
TEAM_NAME_MAX = 80


class UserEmailTaken(EmailTaken):
    def describe(self) -> str:
        return gettext("Another user already has this e-mail address.")


class InvalidPhone(ShopError):
    code = "invalid_phone"
    field = "phone"
    http_status = 422

    def describe(self) -> str:
        return gettext("Enter a phone number we can call, for example +90 532 123 45 67.")


class UserChangeRefused(ShopError):
    """A change that would lock the shop out or makes no sense: the message says why."""

    code = "user_change_refused"
    http_status = 409


class TeamRefused(ShopError):
    code = "team_refused"
    field = "name"
    http_status = 409


def normalise_phone(phone: str, *, region: str = "TR") -> str:
    """An E.164 number ("+905321234567") from what a person typed; empty stays empty."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone() from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _back_office_role(role: Role | str) -> Role:
    try:
        role = Role(role)
    except ValueError:
        role = Role.CUSTOMER
    if role not in BACK_OFFICE_ROLES:
        raise UserChangeRefused(gettext("Choose admin, staff or courier."), field="role")
    return role


def _sales(role: Role, salesperson: bool, sales_team_id: int | None) -> tuple[bool, int | None]:
    if salesperson and role not in (Role.ADMIN, Role.STAFF):
        raise UserChangeRefused(gettext("Only admins and staff can be salespeople."), field="salesperson")
    if sales_team_id is not None and db.session.get(SalesTeam, sales_team_id) is None:
        raise TeamRefused(gettext("Choose one of the sales teams."), field="sales_team")
    return bool(salesperson), sales_team_id


def _active_admins(*, other_than: User) -> int:
    """Active admins besides ``other_than``, their rows locked (PostgreSQL) so that two admins
    removing each other at the same moment cannot both succeed."""
    ids = db.session.scalars(
        db.select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != other_than.id)
        .with_for_update()
    ).all()
    return len(ids)


def _keep_an_admin(user: User) -> None:
    """Refuse a change that leaves the shop without an active admin."""
    if user.role == Role.ADMIN and user.active and _active_admins(other_than=user) == 0:
        raise UserChangeRefused(
            gettext(
                "%(name)s is the last active admin; make someone else an admin first.",
                name=user.name or user.email,
            ),
            field="role",
        )


def back_office_user(user_id: int | None) -> User | None:
    """A back-office user by id; customers are not managed here."""
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.role in BACK_OFFICE_ROLES else None


def back_office_users() -> list[User]:
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.role.in_(BACK_OFFICE_ROLES))
            .order_by(User.active.desc(), User.name, User.email)
        )
    )


def create_user(
    email: str,
    password: str,
    *,
    role: Role | str,
    name: str = "",
    phone: str = "",
    salesperson: bool = False,
    sales_team_id: int | None = None,
    region: str = "TR",
    by: User | None = None,
) -> User:
    """An admin adds a back-office user and types their first password (argon2id-hashed)."""
    email = (email or "").strip().lower()
    role = _back_office_role(role)
    check_new_password(password, user_inputs=password_inputs(email, name))
    phone = normalise_phone(phone, region=region)
    salesperson, sales_team_id = _sales(role, salesperson, sales_team_id)
    if user_by_email(email) is not None:
        raise UserEmailTaken()
    user = User(
        email=email,
        password_hash=hash_password(password),
        name=(name or "").strip(),
        phone=phone,
        role=role,
        salesperson=salesperson,
        sales_team_id=sales_team_id,
    )
    db.session.add(user)
    db.session.flush()
    _record(
        by, "user_created", user=user, changes={key: [None, value] for key, value in _profile(user).items()}
    )
    return user


# --- the history of user and team changes -----------------------------------------------------


def _profile(user: User) -> dict[str, object]:
    """What an admin can change about a user, as recorded in the history."""
    return {
        "name": user.name,
        "phone": user.phone,
        "role": user.role.value,
        "salesperson": user.salesperson,
        "sales_team": user.sales_team.name if user.sales_team else None,
    }


def _record(
    by: User | None,
    action: str,
    *,
    user: User | None = None,
    team: SalesTeam | None = None,
    subject: str = "",
    changes: dict | None = None,
) -> None:
    if not subject:
        subject = user.email if user is not None else team.name if team is not None else ""
    db.session.add(
        AccountChange(
            by_user_id=by.id if by is not None else None,
            user_id=user.id if user is not None else None,
            team_id=team.id if team is not None else None,
            action=action,
            subject=subject,
            changes=changes or {},
        )
    )


def account_history(*, user: User | None = None, limit: int = 20) -> list[AccountChange]:
    """The newest changes: of one user, or of all users and teams."""
    query = db.select(AccountChange).order_by(AccountChange.at.desc(), AccountChange.id.desc()).limit(limit)
    if user is not None:
        query = query.where(AccountChange.user_id == user.id)
    return list(db.session.scalars(query))


def update_user(
    user: User,
    *,
    by: User,
    name: str,
    role: Role | str,
    phone: str = "",
    salesperson: bool = False,
    sales_team_id: int | None = None,
    region: str = "TR",
) -> User:
    """Name, phone, role and sales membership. Nobody changes their own role, and the last
    active admin stays an admin."""
    role = _back_office_role(role)
    phone = normalise_phone(phone, region=region)
    salesperson, sales_team_id = _sales(role, salesperson, sales_team_id)
    if role != user.role:
        if user.id == by.id:
            raise UserChangeRefused(
                gettext("You cannot change your own role; ask another admin."), field="role"
            )
        _keep_an_admin(user)
    before = _profile(user)
    user.name = (name or "").strip()
    user.phone = phone
    user.role = role
    user.salesperson = salesperson
    user.sales_team_id = sales_team_id
    db.session.flush()
    db.session.refresh(user, ["sales_team"])
    after = _profile(user)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        _record(by, "user_updated", user=user, changes=changed)
    return user


def set_active(user: User, active: bool, *, by: User) -> User:
    """Deactivate (cannot log in, takes no new orders) or reactivate a user."""
    if not active:
        if user.id == by.id:
            raise UserChangeRefused(gettext("You cannot deactivate your own account."))
        _keep_an_admin(user)
    if user.active != active:
        user.active = active
        _record(by, "user_reactivated" if active else "user_deactivated", user=user)
    if not active:
        from shop.accounts import sessions

        sessions.end_all_sessions(user)
    return user


def reset_password(user: User, password: str, *, by: User) -> User:
    """An admin sets a new password the user is told in person; failed-login locks are lifted
    and every session the user had ends (the admin's own too, when it is their account)."""
    from shop.accounts import sessions

    check_new_password(password, user_inputs=password_inputs(user.email, user.name))
    set_password(user, password)
    sessions.end_all_sessions(user)
    _record(by, "password_reset", user=user)
    return user


def sales_teams() -> list:
    return list(db.session.scalars(db.select(SalesTeam).order_by(SalesTeam.name)))


def _team_name(name: str, *, other_than: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= TEAM_NAME_MAX:
        raise TeamRefused(gettext("Enter a team name of 1 to %(max)s characters.", max=TEAM_NAME_MAX))
    clash = db.session.scalar(
        db.select(SalesTeam.id).where(
            db.func.lower(SalesTeam.name) == name.lower(), SalesTeam.id != (other_than or 0)
        )
    )
    if clash is not None:
        raise TeamRefused(gettext("There already is a team with this name."))
    return name


def create_team(name: str, *, by: User | None = None):
    team = SalesTeam(name=_team_name(name))
    db.session.add(team)
    db.session.flush()
    _record(by, "team_created", team=team)
    return team


def rename_team(team, name: str, *, by: User | None = None):
    before = team.name
    team.name = _team_name(name, other_than=team.id)
    if team.name != before:
        _record(by, "team_renamed", team=team, changes={"name": [before, team.name]})
    return team


def team_counts() -> tuple[dict[int, int], dict[int, int]]:
    """Members and orders per sales team id (teams with none are left out)."""
    from shop.sales.models import Order

    def per_team(column) -> dict[int, int]:  # noqa: ANN001
        query = db.select(column, func.count()).where(column.is_not(None)).group_by(column)
        return dict(db.session.execute(query).tuples().all())

    return per_team(User.sales_team_id), per_team(Order.sales_team_id)


def delete_team(team, *, by: User | None = None) -> None:
    """Only an empty team goes: no members, no orders, and not the one the sales policy names."""
    from shop.sales.models import Order
    from shop.settings import services as settings

    if db.session.scalar(db.select(func.count()).select_from(User).where(User.sales_team_id == team.id)):
        raise TeamRefused(
            gettext("%(team)s still has members; move them to another team first.", team=team.name)
        )
    if db.session.scalar(db.select(Order.id).where(Order.sales_team_id == team.id).limit(1)) is not None:
        raise TeamRefused(gettext("%(team)s has orders, so it cannot be deleted.", team=team.name))
    if settings.current_fresh().sales_assignment.get("team_id") == team.id:
        raise TeamRefused(
            gettext(
                "New orders are assigned to %(team)s; change the sales-team policy in the settings first.",
                team=team.name,
            )
        )
    _record(by, "team_deleted", subject=team.name)  # no team_id: the team is gone
    db.session.delete(team)
