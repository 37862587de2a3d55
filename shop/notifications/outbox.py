"""Queue messages in the caller's transaction, and the worker that sends them (N1).

Queueing only adds rows to the session: they commit or roll back with the change that caused
them. Sending happens in ``send_due``, called by ``flask worker``:

1. Claim: one short transaction marks up to ``batch`` due messages SENDING with a lease
   (``locked_until``) and this worker's id, and counts the attempt. On PostgreSQL the rows are
   picked with FOR UPDATE SKIP LOCKED, so any number of workers claim disjoint batches without
   waiting for each other; SQLite has one writer at a time, which serialises the claims.
2. Send each message, then commit its outcome at once, before the next: a worker killed
   mid-batch has recorded every message it finished, and the rest come back to a worker when
   their lease expires.
3. A temporary failure waits ``base * 2**(attempts-1)`` seconds, scaled by a random factor in
   [0.5, 1.5) so messages that failed together do not all retry together; after
   OUTBOX_MAX_ATTEMPTS, or at once for a permanent failure, the message is FAILED with its error.

What cannot be helped: a process killed between the provider accepting a message and the
commit of SENT tries it again after the lease (at least once, never lost). SMS carry the
outbox id as SMSAPI's idx, which SMSAPI refuses to send twice; e-mails carry a stable
Message-ID so mail systems can recognise the copy.
"""

from __future__ import annotations

import random
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from shop.db_types import utcnow
from shop.errors import ShopError
from shop.extensions import db
from shop.notifications.delivery import DeliveryError, TemporaryFailure
from shop.notifications.models import Channel, MessageState, OutboxMessage

MAX_BACKOFF = timedelta(hours=6)


def queue(
    channel: Channel,
    *,
    event: str,
    recipient: str,
    body_text: str = "",
    subject: str = "",
    body_html: str = "",
    language: str = "en",
    order_id: int | None = None,
    dedupe_key: str | None = None,
    template_values: Mapping[str, Any] | None = None,
    own_texts: Mapping[str, str] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox, in the caller's transaction (not committed here): either
    written already (``subject``, ``body_text``, ``body_html``: the shop's own texts), or with
    the ``template_values`` (JSON data) the worker fills the event's template with before
    sending (``messages.queue_for_order``)."""
    message = OutboxMessage(
        channel=channel,
        event=event,
        recipient=recipient,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        language=language,
        order_id=order_id,
        dedupe_key=dedupe_key,
        template_values=dict(template_values) if template_values is not None else None,
        own_texts=dict(own_texts) if own_texts else None,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


class RetryRefused(ShopError):
    code = "retry_refused"

    def describe(self) -> str:
        if self.data.get("state") == MessageState.SENT:
            return gettext("This message was sent already; it cannot be sent again.")
        return gettext("This message is being sent right now; wait a moment and reload.")


def retry_now(message: OutboxMessage) -> None:
    """A seller's "retry now": due at once; a failed message gets its attempts back."""
    if not message.can_retry:
        raise RetryRefused(state=message.state)
    if message.state in (MessageState.FAILED, MessageState.CANCELLED):
        message.attempts = 0
    message.state = MessageState.PENDING
    message.next_attempt_at = utcnow()
    message.locked_until = None
    message.locked_by = ""


def purge(older_than: timedelta, *, now: datetime | None = None) -> int:
    """Delete sent and cancelled messages created before ``older_than`` ago; how many went.
    Failed and waiting ones stay: someone still has to look at them. The order's timeline
    keeps its own line for each message sent."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.state.in_((MessageState.SENT, MessageState.CANCELLED)),
            OutboxMessage.created_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- the worker -----------------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled


Sender = Callable[[OutboxMessage], str]  # returns the provider's id; raises DeliveryError
StillWanted = Callable[[OutboxMessage], bool]
Writer = Callable[[OutboxMessage], tuple[str, str, str]]  # (subject, text, html); raises TemplateProblem


def claim(worker: str, *, batch: int, now: datetime | None = None) -> list[int]:
    """Reserve up to ``batch`` due messages for ``worker`` and commit; their ids, oldest due first."""
    now = now or utcnow()
    config = current_app.config
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    due = or_(
        and_(OutboxMessage.state == MessageState.PENDING, OutboxMessage.next_attempt_at <= now),
        # A worker that died while sending: its lease ran out, the message is due again.
        and_(OutboxMessage.state == MessageState.SENDING, OutboxMessage.locked_until < now),
    )
    picked = (
        select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    claimed = dict(
        state=MessageState.SENDING,
        locked_by=worker,
        locked_until=now + lease,
        attempts=OutboxMessage.attempts + 1,
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # A CTE: PostgreSQL runs it once. As "WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP
        # LOCKED)" the sub-select may run again for each row, claiming every due message
        # whatever the batch (seen: batch 1 claimed 3).
        chosen = picked.with_for_update(skip_locked=True).cte("chosen")
        statement = update(OutboxMessage).where(OutboxMessage.id == chosen.c.id)
    else:
        # SQLite: the SELECT and the UPDATE are one statement under the database's single
        # write lock, so nobody claims between them; the due test is repeated all the same.
        statement = update(OutboxMessage).where(OutboxMessage.id.in_(picked.scalar_subquery()), due)
    db.session.execute(statement.values(**claimed).execution_options(synchronize_session=False))
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.locked_by == worker, OutboxMessage.state == MessageState.SENDING)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
    )


def backoff(attempts: int, *, base_seconds: float, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling, with jitter, capped."""
    factor = (rng or random).uniform(0.5, 1.5)
    seconds = base_seconds * (2 ** max(0, attempts - 1)) * factor
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def _finish(message_id: int, worker: str, *, history: OutboxMessage | None = None, **values: object) -> bool:
    """Record an outcome if the message is still ours (a lease that ran out may have moved it).
    With ``history``, a final outcome also goes into its order's timeline, in the same commit."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.locked_by == worker,
            OutboxMessage.state == MessageState.SENDING,
        )
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    ours = result.rowcount == 1
    if ours and history is not None and history.order_id is not None:
        _on_order_timeline(history, values["state"], str(values.get("last_error") or ""))
    db.session.commit()
    return ours


def _on_order_timeline(message: OutboxMessage, state: object, error: str) -> None:
    """The order's timeline shows what was sent to whom (and what could not be)."""
    from shop.orders import history

    history.record(
        order_id=message.order_id,
        by=history.Actor.system("outbox"),
        kind="message",
        before=str(message.channel),
        after=str(state),
        note=f"{message.recipient}: {error or message.summary}"[:2000],
    )


def _write(message: OutboxMessage, worker: str, write: Writer) -> OutboxMessage | None:
    """Fill in a message queued with its template's values and commit its text, so the outbox
    shows it as sent and a retry sends the same words. None if the lease was lost meanwhile."""
    subject, text, html = write(message)
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.locked_by == worker,
            OutboxMessage.state == MessageState.SENDING,
        )
        .values(
            subject=subject[:255], body_text=text, body_html=html, template_values=None, own_texts=None
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message.id, populate_existing=True)


def send_due(
    send: Sender,
    *,
    worker: str,
    batch: int | None = None,
    still_wanted: StillWanted | None = None,
    write: Writer | None = None,
    now: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Claim one batch and send it; the outcome of each message is committed as it happens.
    A message queued with its template's values is written first (``write``, by default
    ``messages.write``): a template that cannot be filled in fails that message alone."""
    if write is None:
        from shop.notifications.messages import write
    config = current_app.config
    outcome = Outcome()
    ids = claim(worker, batch=batch or config["OUTBOX_BATCH_SIZE"], now=now())
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        if message is None:  # pragma: no cover - deleted under our feet
            continue
        if still_wanted is not None and not still_wanted(message):
            if _finish(message_id, worker, state=MessageState.CANCELLED, last_error=""):
                outcome.cancelled += 1
            continue
        attempts = message.attempts
        if message.awaiting_render:
            try:
                message = _write(message, worker, write)
            except SQLAlchemyError:
                raise  # the database went away: the worker's loop waits and tries again
            except Exception as error:  # noqa: BLE001  (even the default text failed: give up on this one)
                current_app.logger.warning("outbox message %s: cannot be written: %s", message_id, error)
                failed = _finish(
                    message_id,
                    worker,
                    history=message,
                    state=MessageState.FAILED,
                    last_error=f"template: {error}"[:2000],
                )
                outcome.failed += failed
                continue
            if message is None:  # our lease ran out while writing: another worker has it
                continue
        try:
            provider_id = send(message)
        except DeliveryError as error:
            _fail(message, worker, attempts, error, now(), outcome)
        except Exception as error:  # noqa: BLE001  (a bug or an odd library error must not stop the worker)
            current_app.logger.exception("outbox message %s: unexpected error", message_id)
            _fail(
                message,
                worker,
                attempts,
                TemporaryFailure(f"{type(error).__name__}: {error}"),
                now(),
                outcome,
            )
        else:
            if _finish(
                message_id,
                worker,
                history=message,
                state=MessageState.SENT,
                sent_at=now(),
                provider_id=(provider_id or "")[:200],
                last_error="",
            ):
                outcome.sent += 1
    return outcome


def _fail(
    message: OutboxMessage, worker: str, attempts: int, error: DeliveryError, at: datetime, outcome: Outcome
) -> None:
    message_id = message.id
    config = current_app.config
    text = str(error)[:2000]
    if error.retry and attempts < config["OUTBOX_MAX_ATTEMPTS"]:
        wait = backoff(attempts, base_seconds=config["OUTBOX_RETRY_BASE_SECONDS"])
        if _finish(
            message_id, worker, state=MessageState.PENDING, next_attempt_at=at + wait, last_error=text
        ):
            outcome.retried += 1
    elif _finish(message_id, worker, history=message, state=MessageState.FAILED, last_error=text):
        outcome.failed += 1
