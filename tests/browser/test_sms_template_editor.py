"""An admin writes the "shipped" SMS (B5, N2): the counter follows the typing (GSM-7, then UCS-2
for one Turkish letter, two segments for a long text), the preview fills the text in with the
newest order, and the saved text is what the page shows next time."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from shop.extensions import db
from shop.notifications import messages
from tests.factories import USER_PASSWORD, make_sales_order, make_user

EDITOR = "/admin/messages/tracking_number/sms"


def _log_in_as_admin(page: Page, path: str) -> None:
    admin = make_user("admin", name="Selin Admin")
    db.session.commit()
    page.goto(path)
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def test_an_admin_writes_the_shipped_sms_and_watches_the_count(page: Page) -> None:
    order = make_sales_order(name="Ayşe Yılmaz")
    order.tracking_number = "YK1234567890"
    db.session.commit()
    number = order.number
    _log_in_as_admin(page, EDITOR)

    body = page.locator("#body_en")
    counter = page.locator("#body_en-sms")
    expect(counter).to_have_attribute("data-encoding", "GSM-7")  # the default, counted by the server

    body.fill("")
    body.press_sequentially("Your parcel is on its way", delay=10)
    expect(counter).to_have_attribute("data-encoding", "GSM-7")
    expect(counter.locator("[data-sms=segments]")).to_have_text("1")
    expect(counter.locator("[data-sms=characters]")).to_have_text("25")
    expect(counter.locator("[data-sms-cost=domestic]")).to_contain_text("0.15")

    body.press_sequentially(" ş")
    expect(counter).to_have_attribute("data-encoding", "UCS-2")
    expect(counter.locator("[data-sms=encoding]")).to_have_text("UCS-2 (Unicode)")
    expect(counter.locator("[data-sms=plain]")).to_be_visible()

    body.fill("Your parcel is on its way. " * 7)  # 189 plain characters
    expect(counter).to_have_attribute("data-encoding", "GSM-7")
    expect(counter.locator("[data-sms=segments]")).to_have_text("2")
    expect(counter.locator("[data-sms-cost=domestic]")).to_contain_text("0.30")

    text = "{{ shop.name }}: order {{ order.number }} shipped, no. {{ order.tracking_number }}"
    body.fill(text)
    expect(counter.locator("[data-sms=estimated]")).to_be_visible()  # counted with the longest values

    # Preview: the newest order's values, in place, and nothing saved yet.
    page.locator("section[data-language=en]").get_by_role("button", name="Preview").click()
    preview = page.locator(".message-preview[data-language=en]")
    expect(preview).to_contain_text(f"order {number} shipped, no. YK1234567890")
    expect(preview).to_contain_text(f"Filled in with order {number}")
    assert messages.saved_template("tracking_number", "sms") is None

    # Persian is written right to left.
    expect(page.locator("#body_fa")).to_have_attribute("dir", "rtl")

    expect(page.get_by_text("Whether this is sent is set on each status")).to_be_visible()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(re.escape(EDITOR) + "$"))
    expect(page.locator(".flash-success")).to_contain_text("saved")
    expect(page.locator("#body_en")).to_have_value(text)
    db.session.expire_all()
    saved = messages.saved_template("tracking_number", "sms")
    assert saved is not None and saved.body == {"en": text}
    assert page.js_errors == []


def test_a_template_error_is_shown_next_to_its_field_and_nothing_is_saved(page: Page) -> None:
    _log_in_as_admin(page, EDITOR)

    page.locator("#body_tr").fill("Merhaba\n{{ order.numara }}")
    page.get_by_role("button", name="Save", exact=True).click()

    field = page.locator(".field:has(#body_tr)")
    expect(field.locator(".field-error")).to_contain_text("Line 2: Unknown variable order.numara")
    expect(page.locator("#body_tr")).to_have_value("Merhaba\n{{ order.numara }}")
    assert messages.saved_template("tracking_number", "sms") is None
