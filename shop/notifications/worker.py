"""``flask worker``: sends the outbox, scans for abandoned carts on a schedule, and runs the
catalog imports uploaded in the back office.

Run as many as you like (PostgreSQL): claims never overlap, and the cart scan is safe to run
twice at once because a reminder's dedupe key is unique.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

import click
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from shop.catalog.csv_transfer.jobs import run_queued as run_catalog_imports
from shop.documents.batches import run_queued as run_document_batches
from shop.extensions import db
from shop.notifications import outbox
from shop.notifications.carts import scan_abandoned_carts, still_wanted
from shop.notifications.transports import Transports

CART_SCAN_EVERY_SECONDS = 60
DB_RETRY_SECONDS = 5


def run(
    *,
    once: bool = False,
    poll_seconds: float = 1.0,
    stop: threading.Event | None = None,
    log: Callable[[str], None] | None = None,
) -> outbox.Outcome:
    """Send due messages until stopped (or, with ``once``, until nothing is due)."""
    stop = stop or threading.Event()
    worker = outbox.worker_id()
    transports = Transports()
    total = outbox.Outcome()
    next_scan = 0.0
    try:
        while not stop.is_set():
            try:
                if time.monotonic() >= next_scan:
                    queued = scan_abandoned_carts()
                    if queued and log:
                        log(f"queued {queued} abandoned-cart reminder(s)")
                    next_scan = time.monotonic() + CART_SCAN_EVERY_SECONDS
                outcome = outbox.send_due(transports.send, worker=worker, still_wanted=still_wanted)
                imports = run_catalog_imports()  # catalog CSV files uploaded in the back office
                batches = run_document_batches()  # PDFs of many orders asked for in the back office
                if imports and log:
                    log(f"ran {imports} catalog import(s)")
                if batches and log:
                    log(f"made {batches} document batch(es)")
            except SQLAlchemyError as error:
                # The database went away (restart, failover): nothing was lost, claims expire;
                # wait and try again rather than die and leave the outbox unattended.
                current_app.logger.error(
                    "worker: database error, retrying in %s s: %s", DB_RETRY_SECONDS, error
                )
                db.session.rollback()
                db.session.remove()
                if once:
                    raise
                stop.wait(DB_RETRY_SECONDS)
                continue
            for name in ("sent", "retried", "failed", "cancelled"):
                setattr(total, name, getattr(total, name) + getattr(outcome, name))
            if outcome.handled and log:
                log(
                    f"sent {outcome.sent}, to retry {outcome.retried}, failed {outcome.failed},"
                    f" cancelled {outcome.cancelled}"
                )
            db.session.remove()  # a fresh session per round: nothing stale, no growing identity map
            if outcome.handled or imports or batches:
                continue
            if once:
                break
            stop.wait(poll_seconds)
    finally:
        transports.close()
    return total


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM / SIGINT finish the message in hand, then stop (systemd, Docker, Ctrl-C)."""

    def _handler(signum: int, frame: object) -> None:
        current_app.logger.info("worker: signal %s, stopping after the current message", signum)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _handler)


def show_logged_messages() -> None:
    """With EMAIL_TRANSPORT=log or SMS_GATEWAY=log the worker's log is where messages go: make
    sure it shows them. Nothing configures logging in a plain ``flask worker``, so Python would
    drop these INFO lines; the app's log handler (stderr) prints them once they are let through."""
    current_app.logger  # noqa: B018  (Flask adds its stderr handler to the "shop" logger on first use)
    for name in ("shop.mail", "shop.sms"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (cron, scripts, tests).")
@click.option(
    "--poll", "poll_seconds", default=1.0, show_default=True, help="Seconds between looks when idle."
)
def worker_command(once: bool, poll_seconds: float) -> None:
    """Send the outbox's e-mails and SMS, retrying failures; scan for abandoned carts."""
    stop = threading.Event()
    stop_on_signals(stop)
    show_logged_messages()
    click.echo(
        f"worker: sending the outbox ({current_app.config['EMAIL_TRANSPORT']} e-mail,"
        f" {current_app.config['SMS_GATEWAY']} SMS)"
    )
    total = run(once=once, poll_seconds=max(0.05, poll_seconds), stop=stop, log=click.echo)
    click.echo(f"worker: stopped; sent {total.sent}, failed {total.failed}")
