"""Signing in as people do it (issue 10, items 3 and 15): a courier on a phone lands on their
deliveries page and logs out from it; a customer who forgot the password gets a link, sets a new
password and logs in with it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.extensions import db
from shop.notifications.models import OutboxMessage
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import make_customer

NEW_PASSWORD = "violet lantern orbit"


def test_a_courier_on_a_phone_lands_on_the_deliveries_page_and_logs_out(page: Page) -> None:
    courier = make_user("courier", name="Kemal Kurye")
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/admin/login")
    page.get_by_label("E-mail").fill(courier.email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(re.compile(r"/courier/tasks$"))
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_text("No deliveries for you right now.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.get_by_role("button", name="Log out").last.click()
    page.wait_for_url(re.compile(r"/admin/login$"))
    page.goto("/courier/tasks")
    page.wait_for_url(re.compile(r"/admin/login"))


def test_a_customer_resets_a_forgotten_password_and_logs_in_with_it(page: Page) -> None:
    make_customer()
    db.session.commit()

    page.goto("/account/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill("ayse@example.com")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(re.compile(r"/account/login$"))
    expect(page.get_by_text("If an account uses this address")).to_be_visible()

    db.session.expire_all()
    mail = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.event == "password_reset"))
    link = re.search(r"https?://\S+", mail.body_text).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()

    page.wait_for_url(re.compile(r"/account/login$"))
    expect(page.get_by_text("Your new password is set.")).to_be_visible()
    page.get_by_label("E-mail").fill("ayse@example.com")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
