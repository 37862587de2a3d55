"""The Messages page tells the truth (issue 10, item 15): a message nothing sends yet (pickup
ready, delivered, invoice, refund, courier's task) is not shown "On"; it says when it will be
sent, and its editor says so too, while the text can be prepared already."""

from __future__ import annotations

import html

import pytest

from shop.notifications import templating
from tests.web.conftest import text
from tests.web.test_backoffice_access import logged_in

NOT_SENT_YET: dict[str, str] = {}  # invoices (issue 13) and refunds are sent now


def _row(page: str, event: str, channel: str) -> str:
    return page.split(f'data-event="{event}" data-channel="{channel}"')[1].split("</tr>")[0]


@pytest.fixture
def admin(shopper):
    logged_in(shopper, "admin")
    return shopper


def test_messages_nothing_sends_yet_are_not_shown_on(admin):
    page = admin.get("/admin/messages").get_data(as_text=True)

    for event, when in NOT_SENT_YET.items():
        for channel in templating.EVENTS[event].channels:
            row = _row(page, event, channel)
            assert 'data-enabled="true"' not in row and ">On<" not in row, (event, channel)
            assert "Not sent yet" in row and when in html.unescape(row), (event, channel)
    for event in ("order_confirmation", "abandoned_cart", "refund_issued", "invoice_issued"):  # sent today
        assert 'data-enabled="true"' in _row(page, event, "email")


def test_the_editor_of_a_message_that_is_sent_does_not_say_not_sent_yet(admin):
    page = text(admin.get("/admin/messages/invoice_issued/email"))

    assert "Not sent yet" not in page and "Sent once the shop issues invoices." not in page
    assert "Not sent yet" not in text(admin.get("/admin/messages/order_confirmation/email"))
