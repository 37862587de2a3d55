"""Returns without an account, in the browser (issue 14, "Done means"): a guest asks with the
order number and e-mail address, gets the same neutral answer as anyone, opens the e-mailed link
and sends a return with a reason of their own and a photo. And the return form in Persian on a
390 px phone: right to left, nothing scrolls sideways, a refused line says why in Persian."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask_babel import force_locale, gettext
from PIL import Image
from playwright.sync_api import Page, expect

from shop.extensions import db, limiter
from shop.i18n import format_number
from shop.notifications.models import OutboxMessage
from shop.orders.history import Actor
from shop.returns import photos
from shop.returns import requests as returns
from shop.returns.models import ReturnRequest, ReturnState
from shop.storefront import return_links
from tests.browser.test_return_journey import delivered_order
from tests.factories import make_product, make_user, make_warehouse

GUEST = "guest@example.com"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path("/tmp/h6")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def links_sent() -> int:
    return db.session.scalar(
        db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.event == return_links.EVENT)
    )


def link_in_outbox(order_id: int) -> str:
    """The path of the return form's link in the e-mail queued for the order."""
    db.session.rollback()
    [message] = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.event == return_links.EVENT, OutboxMessage.order_id == order_id
        )
    ).all()
    assert message.recipient == GUEST
    found = re.search(r"https?://\S+/returns/form/\S+", message.body_text)
    assert found, message.body_text
    return re.sub(r"^https?://[^/]+", "", found.group(0))


def test_a_guest_returns_through_the_emailed_link_with_a_photo(page: Page) -> None:
    limiter.reset()  # the start form counts with the password forms
    warehouse = make_warehouse("GST")
    kettle = make_product(price="80.00", stock={warehouse: 4}, name="Kettle").variants[0]
    by = Actor.user(make_user("staff"))
    order = delivered_order(((kettle, 2),), customer_id=None, email=GUEST, by=by, invoiced=False)
    db.session.commit()
    number, order_id, line_id = order.number, order.id, order.lines[0].id

    # A wrong address: the same answer, and no e-mail.
    page.goto("/returns")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("E-mail").fill("someone.else@example.com")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_label("Order number")).to_have_value("")  # answered, and the form is empty again
    neutral = page.get_by_text(re.compile(r"If an order with this number and e-mail address can be returned"))
    expect(neutral).to_be_visible()
    db.session.rollback()
    assert links_sent() == 0

    # The right one, typed as people do: the same answer, and the link goes to that mailbox.
    page.get_by_label("Order number").fill(f" {number.lower()} ")
    page.get_by_label("E-mail").fill(GUEST.upper())
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_label("Order number")).to_have_value("")
    expect(neutral).to_be_visible()
    link = link_in_outbox(order_id)

    # The link opens the form: one kettle, "Other" with words, a photo.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    row = page.locator(f"tr[data-line='{line_id}']")
    row.get_by_label("Units to return").fill("1")
    page.get_by_label("Reason").select_option("other")
    page.get_by_label("Tell us more").fill("The lid does not close.")
    page.get_by_label("Photo (optional)").set_input_files(
        {"name": "kettle.png", "mimeType": "image/png", "buffer": png()}
    )
    page.get_by_role("button", name="Send the return request").click()
    page.wait_for_url(re.compile(r"/returns/[^/]+$"))
    assert "/returns/form/" not in page.url
    expect(page.get_by_test_id("return-state")).to_have_text("Requested")
    expect(page.locator("main")).to_contain_text("The lid does not close.")

    db.session.rollback()
    [made] = db.session.scalars(db.select(ReturnRequest).where(ReturnRequest.order_id == order_id)).all()
    assert (made.channel, made.reason, made.reason_text, made.state, made.customer_id) == (
        "guest",
        "other",
        "The lid does not close.",
        ReturnState.REQUESTED,
        None,
    )
    assert [(line.order_line_id, line.quantity) for line in made.lines] == [(line_id, 1)]
    stored = photos.photo_bytes(made)
    assert stored and stored[:3] == b"\xff\xd8\xff"  # kept, re-encoded as JPEG
    assert page.url.endswith(f"/returns/{made.access_token}")


def test_the_return_form_in_persian_at_phone_width_is_right_to_left_and_names_the_refused_line(
    page: Page,
) -> None:
    warehouse = make_warehouse("FAR")
    rug = make_product(price="900.00", stock={warehouse: 3}, name="Rug").variants[0]
    soap = make_product(price="40.00", stock={warehouse: 3}, name="Soap", returnable=False).variants[0]
    by = Actor.user(make_user("staff"))
    order = delivered_order(((rug, 2), (soap, 1)), customer_id=None, email=GUEST, by=by, invoiced=False)
    db.session.commit()
    rug_line = next(line for line in order.lines if line.variant_id == rug.id)
    soap_line = next(line for line in order.lines if line.variant_id == soap.id)
    with force_locale("fa"):
        soap_refusal = gettext("%(item)s cannot be returned.", item=returns.item_name(soap_line))
        too_many = gettext(
            "You can return at most %(max)s of %(item)s: %(delivered)s delivered, "
            "%(returning)s already being returned.",
            max=format_number(2),
            item=returns.item_name(rug_line),
            delivered=format_number(2),
            returning=format_number(0),
        )
    rug_line_id, soap_line_id = rug_line.id, soap_line.id
    url = f"/returns/form/{return_links.link_token(order)}?lang=fa"

    page.set_viewport_size(PHONE)
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fa"))
    soap_row = page.locator(f"tr[data-line='{soap_line_id}']")
    expect(soap_row.get_by_test_id("line-refusal")).to_have_text(soap_refusal)
    expect(soap_row.get_by_role("spinbutton")).to_have_count(0)  # no box to type units into

    # Three rugs of two (the box's max is only a hint): refused, next to the rug, in Persian.
    rug_row = page.locator(f"tr[data-line='{rug_line_id}']")
    rug_row.get_by_role("spinbutton").fill("3")
    page.locator("select[name='reason']").select_option("wrong_size")
    page.locator(".return-form form button[type='submit']").click()
    expect(rug_row.locator(".field-error")).to_have_text(too_many)
    assert db.session.scalar(db.select(db.func.count(ReturnRequest.id))) == 0

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"the page is {scroll_width}px wide on a 390px phone"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "return-form-fa-390.png"), full_page=True)

    # The words are Persian, not English left untranslated.
    for text in (soap_refusal, too_many):
        assert "returned" not in text, f"not translated into Persian yet: {text!r}"
        assert ARABIC_SCRIPT.search(text)
