"""``flask invoices ...``: the numbering check (for cron or CI) and issuing by hand."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from shop.extensions import db

invoices_cli = AppGroup("invoices", help="Invoices and credit notes.")


@invoices_cli.command("check")
def check_command() -> None:
    """List every gap or duplicate number per series and year; exit 1 if there is one."""
    from shop.invoicing.archive import numbering_problems

    problems = numbering_problems()
    for problem in problems:
        shown = ", ".join(str(sequence) for sequence in problem.sequences[:50])
        more = f" (and {len(problem.sequences) - 50} more)" if len(problem.sequences) > 50 else ""
        click.echo(f"{problem.series} {problem.year}: {problem.kind} {shown}{more}")
    if problems:
        sys.exit(1)
    click.echo("Invoice numbers: no gaps, no duplicates.")


@invoices_cli.command("issue")
@click.argument("order_number")
def issue_command(order_number: str) -> None:
    """Issue the invoice of a sales order (as the back office's button does)."""
    from shop.errors import ShopError
    from shop.invoicing.services import issue_invoice
    from shop.orders.history import Actor
    from shop.sales import services as sales

    try:
        invoice = issue_invoice(sales.order_by_number(order_number), by=Actor.system())
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"{invoice.number} issued for {order_number}.")
