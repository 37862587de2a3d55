"""The Messages page as an admin sees it (issue 10, item 15): what the shop sends today is "On";
what nothing sends yet says when it will be sent instead."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.extensions import db
from tests.factories import USER_PASSWORD, make_user


def test_the_messages_page_does_not_claim_what_nothing_sends(page: Page) -> None:
    admin = make_user("admin", name="Selin Admin")
    db.session.commit()
    page.goto("/admin/messages")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/messages$"))

    courier = page.locator('tr[data-event="courier_assignment"][data-channel="sms"]')
    delivered = page.locator('tr[data-event="delivery_done"][data-channel="email"]')
    invoice = page.locator('tr[data-event="invoice_issued"][data-channel="email"]')
    confirmation = page.locator('tr[data-event="order_confirmation"][data-channel="email"]')
    expect(courier).to_contain_text("On")  # couriers get their task by SMS (issue 12, B9)
    expect(delivered).to_contain_text("On")  # deliveries send it now (issue 12)
    expect(invoice).to_contain_text("On")  # invoices send it now (issue 13)
    expect(confirmation).to_contain_text("On")
