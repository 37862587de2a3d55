"""The outbox and its worker (N1): nothing sent for a change that rolled back, nothing lost
when the mail server is down, nothing sent twice."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask

from shop.db_types import utcnow
from shop.extensions import db
from shop.notifications import outbox
from shop.notifications.delivery import PermanentFailure, TemporaryFailure
from shop.notifications.models import Channel, MessageState, OutboxMessage
from shop.notifications.transports import Transports
from tests.smtp import smtp  # noqa: F401  (fixture)


def _email(n: int, **over) -> OutboxMessage:
    values = {
        "event": "order_confirmation",
        "recipient": f"customer{n}@example.com",
        "subject": f"Order S{n:06d}",
        "body_text": f"Thank you for order S{n:06d}.",
        "body_html": f"<p>Thank you for order S{n:06d}.</p>",
    }
    values.update(over)
    return outbox.queue(Channel.EMAIL, **values)


def _queued(count: int) -> list[int]:
    messages = [_email(n) for n in range(count)]
    db.session.commit()
    return [m.id for m in messages]


def _state(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _drain(send, *, worker: str = "w1", rounds: int = 50, **kwargs) -> outbox.Outcome:  # noqa: ANN001
    total = outbox.Outcome()
    for _ in range(rounds):
        outcome = outbox.send_due(send, worker=worker, **kwargs)
        if not outcome.handled:
            break
        for name in ("sent", "retried", "failed", "cancelled"):
            setattr(total, name, getattr(total, name) + getattr(outcome, name))
    return total


@pytest.fixture
def no_backoff(app: Flask):
    """Retries are due at once, so a test can run the worker again without waiting."""
    saved = app.config["OUTBOX_RETRY_BASE_SECONDS"]
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = 0
    yield
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = saved


# --- queueing -------------------------------------------------------------------------------


def test_a_message_queued_in_a_transaction_that_rolls_back_is_never_sent():
    _email(1)
    db.session.rollback()

    sent: list[int] = []
    _drain(lambda m: sent.append(m.id) or "id")

    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    assert sent == []


def test_a_committed_message_is_sent_once_and_marked_sent():
    (message_id,) = _queued(1)
    sent: list[int] = []

    first = _drain(lambda m: sent.append(m.id) or "provider-1")
    again = _drain(lambda m: sent.append(m.id) or "provider-2")

    message = _state(message_id)
    assert sent == [message_id]
    assert (first.sent, again.handled) == (1, 0)
    assert message.state == MessageState.SENT and message.attempts == 1
    assert message.provider_id == "provider-1" and message.sent_at is not None
    assert message.locked_until is None


# --- failures -------------------------------------------------------------------------------------


def test_a_temporary_failure_waits_longer_each_time_then_gives_up(app):
    (message_id,) = _queued(1)
    app.config["OUTBOX_MAX_ATTEMPTS"], saved = 3, app.config["OUTBOX_MAX_ATTEMPTS"]
    clock = [utcnow()]
    waits = []

    def down(message: OutboxMessage) -> str:
        raise TemporaryFailure("SMTP server unreachable: connection refused")

    try:
        for _ in range(3):
            outbox.send_due(down, worker="w1", now=lambda: clock[0])
            message = _state(message_id)
            if message.state == MessageState.PENDING:
                waits.append(message.next_attempt_at - clock[0])
                clock[0] = message.next_attempt_at  # the next attempt is due exactly then
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = saved

    message = _state(message_id)
    assert message.state == MessageState.FAILED and message.attempts == 3
    assert message.last_error == "SMTP server unreachable: connection refused"
    # 30 s then 60 s, each scaled by a random factor in [0.5, 1.5)
    assert len(waits) == 2
    assert timedelta(seconds=15) <= waits[0] < timedelta(seconds=45)
    assert timedelta(seconds=30) <= waits[1] < timedelta(seconds=90)


def test_a_message_not_yet_due_is_left_alone():
    (message_id,) = _queued(1)
    message = _state(message_id)
    message.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert _drain(lambda m: "id").handled == 0
    assert _state(message_id).state == MessageState.PENDING


def test_a_permanent_failure_gives_up_at_once():
    (message_id,) = _queued(1)

    def refused(message: OutboxMessage) -> str:
        raise PermanentFailure("SMTP recipient refused: 550 no such user")

    outcome = _drain(refused)

    message = _state(message_id)
    assert outcome.failed == 1
    assert message.state == MessageState.FAILED and message.attempts == 1
    assert "550 no such user" in message.last_error


def test_an_unexpected_error_is_retried_and_the_worker_goes_on():
    first, second = _queued(2)

    def buggy(message: OutboxMessage) -> str:
        if message.id == first:
            raise ValueError("boom")
        return "ok"

    outcome = outbox.send_due(buggy, worker="w1")

    assert (outcome.sent, outcome.retried) == (1, 1)
    assert _state(first).state == MessageState.PENDING and "ValueError: boom" in _state(first).last_error
    assert _state(second).state == MessageState.SENT


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    waits = [outbox.backoff(n, base_seconds=30, rng=rng).total_seconds() for n in range(1, 6)]

    assert 15 <= waits[0] < 45
    assert 30 * 16 * 0.5 <= waits[4] < 30 * 16 * 1.5
    assert outbox.backoff(40, base_seconds=30) == outbox.MAX_BACKOFF


def test_retry_now_makes_a_failed_message_due_with_its_attempts_back():
    (message_id,) = _queued(1)
    _drain(lambda m: (_ for _ in ()).throw(PermanentFailure("SMTP 550: mailbox unavailable")))
    message = _state(message_id)

    outbox.retry_now(message)
    db.session.commit()
    sent = _drain(lambda m: "ok")

    assert sent.sent == 1 and _state(message_id).state == MessageState.SENT


# --- a worker that dies ------------------------------------------------------------------------


def test_a_worker_killed_mid_batch_loses_nothing_and_nothing_finished_is_sent_again(app):
    ids = _queued(5)
    sent: list[int] = []

    def dies_after_two(message: OutboxMessage) -> str:
        if len(sent) == 2:
            raise SystemExit("killed")  # the process ends here, in the middle of its batch
        sent.append(message.id)
        return "ok"

    with pytest.raises(SystemExit):
        outbox.send_due(dies_after_two, worker="dead", batch=5)
    db.session.rollback()
    assert [_state(i).state for i in ids[:2]] == [MessageState.SENT] * 2
    assert {_state(i).state for i in ids[2:]} == {MessageState.SENDING}  # leased to the dead worker

    # Another worker, once the dead worker's lease has run out:
    later = utcnow() + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    _drain(lambda m: sent.append(m.id) or "ok", worker="w2", now=lambda: later)

    assert Counter(sent) == Counter(ids)  # every message exactly once
    assert {_state(i).state for i in ids} == {MessageState.SENT}


def test_a_claim_takes_no_more_than_its_batch_oldest_first():
    ids = _queued(3)

    first = outbox.claim("w1", batch=1)
    second = outbox.claim("w2", batch=1)

    assert (first, second) == ([ids[0]], [ids[1]])
    assert _state(ids[2]).state == MessageState.PENDING


def test_a_leased_message_is_not_taken_by_another_worker_before_its_lease_ends():
    ids = _queued(3)
    claimed = outbox.claim("w1", batch=10)

    assert claimed == ids
    assert outbox.claim("w2", batch=10) == []


# --- real SMTP -----------------------------------------------------------------------------------


def test_an_email_arrives_with_text_and_html_parts_from_the_shop(smtp):  # noqa: F811
    _email(1, subject="Siparişiniz alındı", language="tr")
    db.session.commit()
    transports = Transports()

    outcome = _drain(transports.send)
    transports.close()

    assert outcome.sent == 1
    (received,) = smtp.inbox.messages
    assert received["X-Envelope-To"] == "customer1@example.com"
    assert "Siparişiniz alındı" in str(received["Subject"]) or received["Subject"].startswith("=?")
    assert received["From"].endswith("<shop@localhost>")
    assert received["Content-Language"] == "tr"
    kinds = {part.get_content_type() for part in received.walk()}
    assert {"text/plain", "text/html"} <= kinds


def test_every_email_arrives_once_when_the_smtp_server_dies_mid_run_and_comes_back(smtp, no_backoff):  # noqa: F811
    ids = _queued(8)
    transports = Transports()
    handed: list[int] = []

    def send_then_kill_the_server(message: OutboxMessage) -> str:
        provider_id = transports.send(message)
        handed.append(message.id)
        if len(handed) == 3:
            smtp.stop()  # the mail server goes down in the middle of the batch
        return provider_id

    first = outbox.send_due(send_then_kill_the_server, worker="w1", batch=8)
    assert (first.sent, first.retried) == (3, 5)
    assert {_state(i).state for i in ids[3:]} == {MessageState.PENDING}
    assert all("SMTP" in _state(i).last_error for i in ids[3:])

    smtp.start()  # back, on the same port
    _drain(transports.send, worker="w1")
    transports.close()

    subjects = Counter(smtp.inbox.subjects())
    assert subjects == Counter(f"Order S{n:06d}" for n in range(8))  # each exactly once
    assert {_state(i).state for i in ids} == {MessageState.SENT}


def test_several_workers_at_once_send_each_message_exactly_once(app, smtp):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers claim at once on PostgreSQL (SQLite has one writer)")
    ids = _queued(120)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        with app.app_context():
            transports = Transports()
            try:
                barrier.wait()
                while outbox.send_due(transports.send, worker=name, batch=5).handled:
                    pass
            except BaseException as error:  # noqa: BLE001  (reported by the test below)
                errors.append(error)
            finally:
                transports.close()
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    subjects = Counter(smtp.inbox.subjects())
    assert len(subjects) == 120 and set(subjects.values()) == {1}
    assert {_state(i).state for i in ids} == {MessageState.SENT}


def test_the_worker_survives_the_database_going_away_and_carries_on(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from shop.notifications import worker

    (message_id,) = _queued(1)
    real_send_due = outbox.send_due
    calls = {"n": 0}
    stop = threading.Event()

    def flaky_send_due(*args, **kwargs):  # noqa: ANN002, ANN003
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        outcome = real_send_due(*args, **kwargs)
        if not outcome.handled:
            stop.set()
        return outcome

    monkeypatch.setattr(outbox, "send_due", flaky_send_due)
    monkeypatch.setattr(worker, "DB_RETRY_SECONDS", 0)
    monkeypatch.setattr(worker.Transports, "send", lambda self, message: "ok")

    worker.run(stop=stop, poll_seconds=0.01)

    assert calls["n"] >= 2
    assert _state(message_id).state == MessageState.SENT


def test_retry_now_leaves_sent_messages_and_those_a_worker_holds_alone():
    sent_id, held_id = _queued(2)
    outbox.send_due(lambda m: "ok", worker="w1", batch=1)  # the first is sent
    outbox.claim("w2", batch=1)  # the second is in a worker's hands

    for message_id in (sent_id, held_id):
        with pytest.raises(outbox.RetryRefused):
            outbox.retry_now(_state(message_id))

    assert (_state(sent_id).state, _state(held_id).state) == (MessageState.SENT, MessageState.SENDING)


def test_purge_deletes_old_sent_and_cancelled_messages_and_keeps_the_rest(app):
    old_sent, old_failed, old_waiting, new_sent = _queued(4)
    messages = {m.id: m for m in db.session.scalars(db.select(OutboxMessage))}
    for message_id, state in (
        (old_sent, MessageState.SENT),
        (old_failed, MessageState.FAILED),
        (new_sent, MessageState.SENT),
    ):
        messages[message_id].state = state
    for message_id in (old_sent, old_failed, old_waiting):
        messages[message_id].created_at = utcnow() - timedelta(days=200)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than-days", "180"])

    assert result.exit_code == 0 and "deleted 1 message(s)" in result.output
    left = set(db.session.scalars(db.select(OutboxMessage.id)))
    assert left == {old_failed, old_waiting, new_sent}


@pytest.mark.parametrize("days", ["0", "-3", "abc", "99999999"])
def test_purge_refuses_a_nonsense_age(app, days):
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--older-than-days", days])

    assert result.exit_code == 2 and "Traceback" not in result.output
