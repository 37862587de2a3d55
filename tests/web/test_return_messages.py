"""The return messages on the admin's Messages page: listed, editable, previewed."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.notifications import templating
from tests.factories import make_sales_order
from tests.web.conftest import text
from tests.web.test_backoffice_message_templates import admin, preview  # noqa: F401  (the fixture)

RETURN_EVENTS = [key for key in templating.EVENTS if key.startswith("return_")]


def test_every_return_step_has_its_message():
    assert RETURN_EVENTS == [
        "return_requested",
        "return_approved",
        "return_rejected",
        "return_received",
        "return_refunded",
        "return_exchanged",
    ]


@pytest.mark.parametrize("event", RETURN_EVENTS)
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_each_return_message_opens_in_the_editor_with_its_variables(admin, event, channel):  # noqa: F811
    response = admin.get(f"/admin/messages/{event}/{channel}")

    assert response.status_code == 200
    assert "return.number" in text(response)


def test_a_return_message_previews_with_a_real_order_and_example_return_values(admin):  # noqa: F811
    order = make_sales_order(name="Ayşe Yılmaz")
    db.session.commit()

    response = preview(admin, "/admin/messages/return_approved/email", "en")

    body = text(response)
    assert response.status_code == 200
    assert f"Your return S000123-R1 for order {order.number} is approved" in body
