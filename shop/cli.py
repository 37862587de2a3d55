"""Command-line verbs for operators and scripts; each calls the same service as the web."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from shop.errors import ShopError
from shop.extensions import db
from shop.orders.history import Actor

shop_cli = AppGroup("shop", help="Shop set-up: demo data.")
orders_cli = AppGroup("orders", help="Order housekeeping.")
payments_cli = AppGroup("payments", help="Record payments that arrive outside the shop.")


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


def register(app: Flask) -> None:
    for group in (shop_cli, orders_cli, payments_cli):
        app.cli.add_command(group)
