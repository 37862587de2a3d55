"""Command-line verbs for operators and scripts; each calls the same service as the web."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import click
from flask import Flask
from flask.cli import AppGroup

from shop.errors import ShopError
from shop.extensions import db
from shop.orders.history import Actor

shop_cli = AppGroup("shop", help="Shop set-up: demo data.")
orders_cli = AppGroup("orders", help="Order housekeeping.")
payments_cli = AppGroup("payments", help="Record payments that arrive outside the shop.")
outbox_cli = AppGroup("outbox", help="The outbox of e-mails and SMS (the worker sends it: flask worker).")
accounts_cli = AppGroup("accounts", help="Sign-in sessions and login attempts.")
stock_cli = AppGroup("stock", help="The stock ledger.")


@stock_cli.command("verify")
def verify_stock_command() -> None:
    """Check that every stock row's quantity and reserved units are the sums of its ledger rows.
    Exit status 0 when they agree, 1 with each difference listed otherwise."""
    from shop.catalog.ledger import differences

    found = differences()
    for difference in found:
        click.echo(str(difference))
    if found:
        click.echo(f"{len(found)} stock row(s) disagree with the ledger", err=True)
        raise SystemExit(1)
    click.echo("stock agrees with the ledger")


@accounts_cli.command("purge-sessions")
def purge_sessions_command() -> None:
    """Delete sign-in sessions past their lifetime and failed logins older than the lock window
    (run it daily: nobody can use either any more)."""
    from shop.accounts.services import purge_login_attempts
    from shop.accounts.sessions import purge_expired_sessions

    sessions = purge_expired_sessions()
    attempts = purge_login_attempts()
    db.session.commit()
    click.echo(f"purged {sessions} expired session(s) and {attempts} old failed login(s)")


@shop_cli.command("load-demo")
def load_demo_command() -> None:
    """Load the demo catalog once (does nothing if the shop has products)."""
    from shop.demo import load_demo

    loaded = load_demo()
    db.session.commit()
    click.echo("demo data loaded" if loaded else "demo data already present, nothing changed")


@orders_cli.command("expire-quotations")
def expire_quotations_command() -> None:
    """Cancel quotations sent whose payment window has passed and release their stock."""
    from shop.sales.services import expire_quotations

    expired = expire_quotations()
    db.session.commit()
    click.echo(f"expired {len(expired)} quotation(s)")


@payments_cli.command("record-transfer")
@click.argument("number")
@click.argument("amount")
@click.option("--reference", default="", help="The bank's reference for the transfer.")
def record_transfer_command(number: str, amount: str, reference: str) -> None:
    """Record a bank transfer for order NUMBER; a fully paid quotation sent becomes a sales order."""
    from shop.payments.services import record_bank_transfer
    from shop.sales.services import order_by_number

    try:
        order = order_by_number(number)
        record_bank_transfer(order, amount, by=Actor.system("command line"), reference=reference)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        raise click.ClickException(f"{number}: {error}") from None
    click.echo(f"{order.number}: {order.payment_state.value}, state {order.state.value}")


class PriceType(click.ParamType):
    """A price per SMS segment: a finite, non-negative decimal."""

    name = "price"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201
        if isinstance(value, Decimal):
            return value
        try:
            price = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(f"{value!r} is not a decimal number", param, ctx)
        if not price.is_finite() or price < 0:
            self.fail(f"{value!r} is not a price (a decimal number, 0 or more)", param, ctx)
        return price


@click.command("sms-count")
@click.argument("text")
@click.option("--price", type=PriceType(), default=None, help="Price of one segment, e.g. 0.10.")
def sms_count_command(text: str, price: Decimal | None) -> None:
    """Encoding, units and segments of the SMS TEXT (and its cost with --price), as one line of JSON."""
    from shop.notifications.sms_count import cost, count

    result = count(text)
    line: dict[str, object] = {
        "encoding": result.encoding,
        "units": result.units,
        "segments": result.segments,
    }
    if price is not None:
        line["cost"] = str(cost(result.segments, price))
    click.echo(json.dumps(line))


@outbox_cli.command("purge")
@click.option(
    "--older-than-days",
    type=click.IntRange(1, 36500),
    default=180,
    show_default=True,
    help="Delete sent and cancelled messages older than this.",
)
def purge_outbox_command(older_than_days: int) -> None:
    """Delete old sent and cancelled messages; failed and waiting ones are kept."""
    from datetime import timedelta

    from shop.notifications import outbox

    deleted = outbox.purge(timedelta(days=older_than_days))
    db.session.commit()
    click.echo(f"deleted {deleted} message(s) older than {older_than_days} days")


def register(app: Flask) -> None:
    for group in (shop_cli, orders_cli, payments_cli, outbox_cli, accounts_cli, stock_cli):
        app.cli.add_command(group)
    app.cli.add_command(sms_count_command)

    from shop.notifications.worker import worker_command

    app.cli.add_command(worker_command)

    from shop.invoicing.cli import invoices_cli

    app.cli.add_command(invoices_cli)
