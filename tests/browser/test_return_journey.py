"""A customer's return in the browser (issue 14, "Done means"): a registered customer returns one
unit of a delivered, invoiced order from their account; staff approve it (the label PDF names the
return), receive it back on a warehouse's shelf (a RETURN row in the stock ledger, one unit more
on hand) and refund it (the line's unit price back, a credit note on the order page); the order's
history shows each step and the customer's return page says Refunded. Another customer's order
has no return form for them (404)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shop.accounts import services as accounts
from shop.catalog.ledger import differences
from shop.catalog.models import Stock, StockMove, StockMoveKind
from shop.demo.deliveries import ship_all
from shop.extensions import db
from shop.invoicing import services as invoicing
from shop.notifications.models import Channel, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.payments import services as payments
from shop.payments.models import Refund, RefundState
from shop.returns.models import ReturnRequest, ReturnState
from shop.sales import services as sales
from shop.sales.models import Order
from tests.factories import (
    USER_PASSWORD,
    checkout_details,
    make_cart,
    make_product,
    make_user,
    make_warehouse,
)

CUSTOMER = ("elif@example.com", "a-long-pass-phrase-2026")


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def delivered_order(lines, *, customer_id: int | None, email: str, by: Actor, invoiced: bool = True) -> Order:
    """A carrier order paid in cash on delivery, every delivery step done, Shipped, then
    completed (delivered: the return window opens), invoiced when asked."""
    order = sales.confirm_quotation(make_cart(*lines, customer_id=customer_id), checkout_details(email=email))
    tracking = {"carrier": "yurtici", "tracking_number": f"YK{4000000000 + order.id}"}
    ship_all(order, by=by, **tracking)
    shipped = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "shipped"))
    orders.change_status(order, shipped, by=by, **tracking)
    payments.record_cash_payment(order, order.total, by=by, reference=f"COD-{order.number}")
    orders.complete(order, by=by)
    if invoiced:
        invoicing.issue_invoice(order, by=by)
    assert order.delivered_at is not None
    return order


def on_hand(variant_id: int, warehouse_id: int) -> int:
    return db.session.scalar(
        db.select(Stock.quantity).where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id)
    )


def customer_log_in(page: Page) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(CUSTOMER[0])
    page.get_by_label("Password").fill(CUSTOMER[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account$"))


def staff_log_in(page: Page, email: str, then: str) -> None:
    page.goto(then)
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"{re.escape(then)}$"))


def test_a_customer_returns_a_unit_and_staff_approve_receive_and_refund_it(page: Page) -> None:
    warehouse = make_warehouse("RTN")
    lamp = make_product(price="120.00", stock={warehouse: 5}, name="Desk lamp").variants[0]
    mug = make_product(price="35.00", stock={warehouse: 5}, name="Tea mug").variants[0]
    staff = make_user("staff", name="Selin Staff")
    by = Actor.user(staff)
    customer = accounts.register_customer(*CUSTOMER, name="Elif Kaya")
    other = accounts.register_customer("bob@example.com", "another-pass-phrase-2026", name="Bob")
    db.session.flush()
    order = delivered_order(((lamp, 2), (mug, 1)), customer_id=customer.id, email=CUSTOMER[0], by=by)
    theirs = delivered_order(
        ((mug, 1),), customer_id=other.id, email="bob@example.com", by=by, invoiced=False
    )
    db.session.commit()
    number, lamp_line = order.number, next(line for line in order.lines if line.variant_id == lamp.id)
    lamp_line_id, unit_price = lamp_line.id, lamp_line.unit_price
    shelf_before = on_hand(lamp.id, warehouse.id)
    assert shelf_before == 3  # 5, less the 2 shipped

    # The customer logs in and finds the order in their account.
    customer_log_in(page)
    row = page.get_by_test_id("account-orders").locator(f"tr[data-order='{number}']")
    row.get_by_role("link", name="Return items").click()
    page.wait_for_url(re.compile(rf"/account/orders/{number}/return$"))

    # One of the two lamps, wrong size.
    lamp_row = page.locator(f"tr[data-line='{lamp_line_id}']")
    expect(lamp_row).to_contain_text("2 units delivered")
    lamp_row.get_by_label("Units to return").fill("1")
    page.get_by_label("Reason").select_option("wrong_size")
    page.get_by_role("button", name="Send the return request").click()
    page.wait_for_url(re.compile(r"/returns/[^/]+$"))
    customer_page = page.url
    expect(page.get_by_test_id("return-state")).to_have_text("Requested")
    db.session.rollback()
    asked = db.session.scalar(db.select(ReturnRequest).where(ReturnRequest.order_id == order.id))
    assert asked.channel == "account" and asked.state == ReturnState.REQUESTED
    assert [(line.order_line_id, line.quantity) for line in asked.lines] == [(lamp_line_id, 1)]
    return_number, return_id = asked.number, asked.id
    expect(page.get_by_role("heading", level=1)).to_contain_text(return_number)

    # Not someone else's order: no return form, nothing said about it.
    refused = page.request.get(f"/account/orders/{theirs.number}/return")
    assert refused.status == 404
    assert "Tea mug" not in refused.text()

    # Staff: the returns list, the return, approve (the label names the return).
    page.context.clear_cookies()
    staff_log_in(page, staff.email, "/admin/returns")
    page.locator(f"tr[data-return='{return_number}']").get_by_role("link", name=return_number).click()
    page.wait_for_url(re.compile(rf"/admin/returns/{return_id}$"))
    expect(page.get_by_test_id("return-state")).to_have_text("Requested")
    page.get_by_test_id("approve-form").get_by_role("button", name="Approve and send the label").click()
    expect(page.get_by_text(f"Return {return_number} approved.")).to_be_visible()
    expect(page.get_by_test_id("return-state")).to_have_text("Approved")
    label = page.request.get(page.get_by_test_id("label-link").get_attribute("href"))
    assert label.status == 200 and label.headers["content-type"] == "application/pdf"
    assert return_number in pdf_text(label.body())

    # Received: back on the shelf of RTN.
    receive = page.get_by_test_id("receive-form")
    expect(receive.get_by_label("Back on the shelf")).to_have_value("1")
    receive.get_by_label("Back to the stock of").select_option(label=warehouse.name["en"])
    receive.get_by_role("button", name="Record the receipt").click()
    expect(page.get_by_text(f"Return {return_number} received.")).to_be_visible()
    expect(page.get_by_test_id("return-state")).to_have_text("Received")
    db.session.rollback()
    moves = db.session.scalars(
        db.select(StockMove).where(
            StockMove.kind == StockMoveKind.RETURN,
            StockMove.variant_id == lamp.id,
            StockMove.warehouse_id == warehouse.id,
        )
    ).all()
    assert [(m.quantity_change, m.reference_type, m.reference_id) for m in moves] == [
        (1, "return", return_id)
    ]
    assert on_hand(lamp.id, warehouse.id) == shelf_before + 1

    # Refunded: the lamp's price, paid back in cash; a credit note follows the invoice.
    refund_form = page.get_by_test_id("return-refund-form")
    expect(page.get_by_test_id("refund-amount")).to_contain_text("120")
    refund_form.get_by_label("Paid back by").select_option("cash")
    refund_form.get_by_role("button", name=re.compile(r"^Refund ")).click()
    expect(page.get_by_text(re.compile(r"Refund of .* issued\."))).to_be_visible()
    expect(page.get_by_test_id("return-state")).to_have_text("Refunded")
    db.session.rollback()
    done = db.session.get(ReturnRequest, return_id)
    refund = db.session.get(Refund, done.refund_id)
    assert refund.state == RefundState.SUCCEEDED and refund.amount == unit_price == Decimal("120.00")
    note = invoicing.documents_for(db.session.get(Order, order.id))[-1]
    assert note.is_credit_note and abs(note.total) == unit_price

    # The order page: the credit note's PDF, and the return's steps in the history.
    page.get_by_role("link", name=number).click()
    page.wait_for_url(re.compile(rf"/admin/orders/{number}$"))
    link = page.get_by_test_id("invoices").locator('a[data-kind="credit-note"]')
    expect(link).to_contain_text(f"Credit note {note.number}")
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert note.number in pdf_text(pdf.body())
    steps = page.get_by_test_id("timeline").locator("li[data-kind='return']")
    expect(steps).to_have_count(4)
    for state in ("Requested", "Approved", "Received", "Refunded"):
        expect(steps.filter(has_text=state)).not_to_have_count(0)
    expect(steps.first).to_contain_text(return_number)

    # The customer, signed in again: their return page says Refunded, the label is still theirs.
    page.context.clear_cookies()
    customer_log_in(page)
    page.goto(customer_page)
    expect(page.get_by_test_id("return-state")).to_have_text("Refunded")
    expect(page.get_by_test_id("return-timeline")).to_contain_text("Refunded")
    with page.expect_download() as download:
        page.get_by_test_id("return-label").click()
    assert return_number in pdf_text(open(download.value.path(), "rb").read())  # noqa: SIM115

    # ... and their account lists it so; each step reached their mailbox.
    page.goto("/account/returns")
    expect(page.locator("main")).to_contain_text(return_number)
    expect(page.locator("main")).to_contain_text("Refunded")
    db.session.rollback()
    mailed = db.session.scalars(
        db.select(OutboxMessage.event).where(
            OutboxMessage.order_id == order.id,
            OutboxMessage.recipient == CUSTOMER[0],
            OutboxMessage.channel == Channel.EMAIL,
            OutboxMessage.event.like("return_%"),
        )
    ).all()
    assert sorted(mailed) == ["return_approved", "return_received", "return_refunded", "return_requested"]

    assert differences() == []
