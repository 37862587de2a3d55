"""The courier journey at phone width (issue 12, B9, "Done means"): staff give an order to a
courier on its page, the courier's SMS is in the outbox with the template's text, the courier
logs in on a 360 px screen, lands on My tasks, sees the task and marks it picked up, on the way
and delivered with the cash; the order page then shows the cash payment and the delivery done."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.catalog.ledger import differences
from shop.catalog.models import Warehouse
from shop.extensions import db
from shop.notifications import messages
from shop.notifications.models import Channel, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from shop.sales.models import DeliveryMethod
from tests.factories import USER_PASSWORD, make_product, make_sales_order, make_user

PHONE = {"width": 360, "height": 740}


def _log_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"{scroll_width}px wide in a {inner_width}px window"


def test_a_courier_delivers_an_assigned_order_at_phone_width(page: Page, browser, live_server: str) -> None:
    staff = make_user("staff", name="Selin Staff")
    courier = make_user("courier", name="Kemal Kurye", phone="+905321110022")
    warehouse = db.session.scalar(db.select(Warehouse).where(Warehouse.code == "IST"))
    variant = make_product(stock={warehouse: 5}).variants[0]
    order = make_sales_order((variant, 2), delivery_method=DeliveryMethod.COURIER)
    processing = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "processing"))
    orders.change_status(order, processing, by=Actor.user(staff))
    number, due = order.number, order.amount_due
    db.session.commit()

    # Staff: one click on the order page.
    _log_in(page, staff.email)
    page.goto(f"/admin/orders/{number}")
    panel = page.get_by_test_id("courier-panel")
    panel.get_by_label("Give to the courier").select_option(label="Kemal Kurye")
    panel.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("courier-state")).to_contain_text("Kemal Kurye")

    # The SMS waits in the outbox with the template's text.
    db.session.rollback()
    messages.write_waiting()
    [sms] = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.recipient == courier.phone, OutboxMessage.channel == Channel.SMS
        )
    )
    assert sms.body_text.startswith(f"New delivery {number}: Ayşe Yılmaz, +905321234567, İstiklal Cd. 1")
    assert "Collect" in sms.body_text
    db.session.rollback()

    # The courier, on a phone.
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    phone = context.new_page()
    try:
        _log_in(phone, courier.email)
        phone.wait_for_url(re.compile(r"/courier/tasks$"))
        task = phone.get_by_test_id("task").filter(has_text=number)
        expect(task).to_be_visible()
        expect(task).to_contain_text("Ayşe Yılmaz")
        expect(task.get_by_test_id("to-collect")).to_contain_text("To collect in cash")
        expect(task.locator('a[href^="tel:"]')).to_be_visible()
        _no_horizontal_scroll(phone)
        button = task.get_by_role("button", name="Picked up")
        assert button.bounding_box()["height"] >= 44  # a thumb's target

        button.click()
        expect(phone.get_by_test_id("task-state")).to_have_text("Picked up")
        phone.get_by_test_id("task").filter(has_text=number).get_by_role("button", name="On the way").click()
        expect(phone.get_by_test_id("task-state")).to_have_text("On the way")
        task = phone.get_by_test_id("task").filter(has_text=number)
        task.get_by_label(re.compile(r"I collected .* in cash")).check()
        task.get_by_role("button", name="Delivered").click()
        expect(phone.get_by_text("Delivered. Thank you!")).to_be_visible()
        expect(phone.get_by_test_id("no-tasks")).to_be_visible()
        _no_horizontal_scroll(phone)
    finally:
        context.close()

    # Staff see the cash payment and the delivery done.
    page.goto(f"/admin/orders/{number}")
    payment = page.get_by_test_id("payment")
    expect(payment.get_by_test_id("payment-state")).to_have_text("Paid")
    expect(payment).to_contain_text("Cash")
    expect(page.locator("[data-delivery]")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("courier-state")).to_contain_text("Delivered")
    expect(page.get_by_test_id("timeline")).to_contain_text("Courier: Delivered")
    db.session.rollback()
    assert due > 0 and differences() == []
