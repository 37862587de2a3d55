"""Words the system writes into an order's history are shown in the reader's language;
what people write is shown as they wrote it."""

from __future__ import annotations

from shop.extensions import db
from shop.orders.history import Actor, record
from tests.factories import make_sales_order
from tests.web.conftest import text
from tests.web.test_backoffice_order_page import log_in_staff


def test_system_words_and_the_source_are_translated_and_peoples_words_are_not(shopper):
    order = make_sales_order()
    record(order, by=Actor.system("payment window"), kind="note", note="payment not received in time")
    record(order, by=Actor.provider("payment window"), kind="note", note="payment window")
    record(order, by=Actor.system(), kind="stock", note="released 3 reserved units")
    db.session.commit()
    log_in_staff(shopper)

    page = text(shopper.get(f"/admin/orders/{order.number}?lang=tr"))

    assert "Sistem · <bdi>ödeme süresi</bdi>" in page
    assert "ödeme zamanında alınmadı" in page
    assert "<dd>Web mağazası</dd>" in page  # the source "storefront"
    assert "payment window" in page  # a provider's own words stay as they came
    assert "payment not received in time" not in page
    assert "3 rezerve birim serbest bırakıldı" in page and "released 3" not in page


def test_the_timeline_says_which_messages_went_out(shopper):
    order = make_sales_order()
    record(
        order, by=Actor.system("outbox"), kind="message", before="email", after="sent", note="a@b.c: Hello"
    )
    record(
        order, by=Actor.system("outbox"), kind="message", before="sms", after="failed", note="+48: SMSAPI 13"
    )
    db.session.commit()
    log_in_staff(shopper)

    page = text(shopper.get(f"/admin/orders/{order.number}"))

    assert "E-mail sent" in page and "a@b.c: Hello" in page
    assert "SMS could not be sent" in page and "System · <bdi>outbox</bdi>" in page
