"""A forgotten password: a link by e-mail that sets a new one (customers and back-office users).

The link carries a token signed with the shop's secret (itsdangerous, a salt of its own), valid
for PASSWORD_RESET_MAX_AGE_SECONDS (an hour), naming the user and a fingerprint of their
password hash. Setting a password changes the hash, so a link works once, and a link asked for
before the last change does not work at all. Nothing is stored for it.

Asking for a link answers the same whether or not the address has an account; the e-mail goes
through the outbox in the person's language, at most RESET_MAILS_PER_HOUR per address, so the
form cannot be used to flood someone's mailbox.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadData, URLSafeTimedSerializer

from shop.accounts import sessions
from shop.accounts.models import Role, User
from shop.accounts.services import check_new_password, password_inputs, set_password, user_by_email
from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.web import public_link

EVENT = "password_reset"  # the outbox event (its body is hidden in the back office's outbox)
RESET_MAILS_PER_HOUR = 3
_SALT = "shop.accounts.password-reset"


class ResetLinkInvalid(ShopError):
    code = "reset_link_invalid"
    http_status = 400

    def describe(self) -> str:
        return gettext(
            "This link to reset a password has expired or was used already. Ask for a new one below."
        )


def signed_serializer(salt: str = _SALT) -> URLSafeTimedSerializer:
    """Tokens signed with the shop's secret; each kind of link has its own ``salt``, so one
    kind's token is never valid as another's (the e-mail verification uses this too)."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def reset_token(user: User) -> str:
    return signed_serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User:
    """The user a valid, unused, unexpired token names; ResetLinkInvalid otherwise."""
    try:
        user_id, fingerprint = signed_serializer().loads(
            token or "", max_age=current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
        )
    except (BadData, TypeError, ValueError):
        raise ResetLinkInvalid() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or not user.active
        or not isinstance(fingerprint, str)
        or not hmac.compare_digest(fingerprint.encode(), _fingerprint(user).encode())
    ):
        raise ResetLinkInvalid()
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the password a valid link allows; every session of the user ends."""
    user = user_for_token(token)
    check_new_password(new_password, user_inputs=password_inputs(user.email, user.name))
    set_password(user, new_password)
    sessions.end_all_sessions(user)
    return user


def mails_in_the_last_hour(email: str, event: str = EVENT) -> int:
    """Messages of ``event`` queued for ``email`` in the last hour (the per-address limit)."""
    from shop.notifications.models import OutboxMessage

    return db.session.scalar(
        db.select(db.func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.event == event,
            OutboxMessage.recipient == email,
            OutboxMessage.created_at >= utcnow() - timedelta(hours=1),
        )
    )


def max_age_minutes() -> int:
    """How long a reset link works, in minutes, as the e-mail and the page say it."""
    return current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] // 60


def request_reset(email: str) -> None:
    """Queue the e-mail with a link if ``email`` belongs to an active account; otherwise do
    nothing. The caller shows the same answer either way and commits."""
    from shop.notifications.link_mail import queue_link_email

    user = user_by_email(email)
    if user is None or not user.active or mails_in_the_last_hour(user.email) >= RESET_MAILS_PER_HOUR:
        return
    endpoint = "storefront.reset_password" if user.role == Role.CUSTOMER else "backoffice.reset_password"
    queue_link_email(
        event=EVENT,
        recipient=user.email,
        language=user.locale or "en",
        template="accounts/password_reset_email",
        subject=lambda context: gettext("Reset your password at %(shop)s", shop=context["shop_name"]),
        name=user.name,
        link=public_link(endpoint, token=reset_token(user)),
        minutes=max_age_minutes(),
    )
