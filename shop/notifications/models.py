"""The outbox (N1) and the templates sellers edit (N2, N3)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.db_types import UTCDateTime, str_enum, utcnow
from shop.extensions import db


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until locked_until; then claimable again
    SENT = "sent"
    FAILED = "failed"  # gave up: a permanent error, or too many attempts (last_error says why)
    CANCELLED = "cancelled"  # no longer wanted when its turn came (a cart that became an order)


# Events whose text must never be shown in the back office: it holds a sign-in link.
SECRET_EVENTS = frozenset({"password_reset", "return_link", "email_verification"})


class OutboxMessage(db.Model):
    """One e-mail or SMS, written in the transaction of the change that caused it.

    The worker sends it later; a row that never committed was never sent, and a row that
    committed is tried until it is sent or given up. ``dedupe_key`` (unique) makes "exactly one
    reminder per cart" a database rule rather than a hope when several workers scan at once.

    A message from a seller's template is queued with ``template_values`` (the event's
    variables as they were in that transaction, JSON) and, for a status with its own texts,
    ``own_texts``; the worker fills the template in just before sending (no seller template runs
    inside a customer's request), stores subject and text, and clears both. A message written
    by the shop itself (a password reset) is queued with its text and has neither.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    event: Mapped[str] = mapped_column(String(40))  # a templating event key, e.g. "status_change"
    recipient: Mapped[str] = mapped_column(String(254))  # an e-mail address or an E.164 number
    language: Mapped[str] = mapped_column(String(5), default="en")
    subject: Mapped[str] = mapped_column(String(255), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    template_values: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    own_texts: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # {"subject": ..., "body": ...}
    # A file to attach, named here and made when sending ("invoice:12": that invoice's PDF), see
    # transports.ATTACHMENTS: the row stays small and the file is the document as issued.
    attachment: Mapped[str | None] = mapped_column(String(64))

    state: Mapped[MessageState] = mapped_column(str_enum(MessageState), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str] = mapped_column(String(200), default="")  # SMS id or Message-ID
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def awaiting_render(self) -> bool:
        """Queued with its template's values; the worker writes its text just before sending."""
        return self.template_values is not None

    @property
    def is_secret(self) -> bool:
        """Its text holds a secret (a password-reset link): the back office never shows it."""
        return self.event in SECRET_EVENTS

    @property
    def summary(self) -> str:
        """What a list or a timeline shows of it: the subject, or an SMS's first line (never
        a line of a secret message's text)."""
        if self.subject or self.is_secret:
            return self.subject
        lines = (self.body_text or "").strip().splitlines()
        return lines[0] if lines else ""

    @property
    def can_retry(self) -> bool:
        """Whether "retry now" may send it again: sent messages stay sent, and one a worker holds
        is left to it (its lease decides)."""
        return self.state not in (MessageState.SENT, MessageState.SENDING)

    __table_args__ = (
        # The worker's claim: due pending messages (and expired leases), oldest due first.
        Index("ix_outbox_state_due", "state", "next_attempt_at"),
        Index("ix_outbox_created", "created_at", "id"),
    )


class MessageTemplate(db.Model):
    """A seller's version of one event's message on one channel; per-language texts as JSON.

    A language without text uses the shop's default (notifications.default_templates), so a
    new shop sends good messages in every language before anyone edits anything.
    """

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    enabled: Mapped[bool] = mapped_column(default=True)
    subject: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("uq_message_templates_event_channel", "event", "channel", unique=True),)
