"""Only the shop's own links are clickable in an e-mail (issue 10, item 9): text a customer typed
(a name, an address) that looks like a link stays text in the HTML part; the tracking page, the
shop's address, the cart's restore link and addresses the seller wrote in the template are links."""

from __future__ import annotations

import re
from datetime import timedelta

from shop.db_types import utcnow
from shop.extensions import db
from shop.notifications import carts, messages
from shop.notifications.models import Channel, MessageTemplate, OutboxMessage
from shop.orders import services as orders
from shop.orders.history import Actor
from shop.orders.models import OrderStatus
from tests.factories import make_cart, make_product, make_sales_order

EVIL = "https://evil.example/win?prize=1"


def _links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


def _written(**where) -> OutboxMessage:
    messages.write_waiting()
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return db.session.scalars(query).first()


def test_a_link_typed_as_the_customers_name_or_address_is_not_clickable():
    db.session.add(
        MessageTemplate(
            event="order_confirmation",
            channel=Channel.EMAIL,
            body={"en": "Dear {{ customer.name }},\n{{ order.address }}\nTrack: {{ order.url }}"},
        )
    )
    order = make_sales_order(name=f"Ayşe {EVIL}", address_line="http://evil.example/street 1")

    message = _written(event="order_confirmation")

    links = _links(message.body_html)
    assert EVIL in message.body_text  # the text is what the customer typed
    assert "evil.example/win?prize=1" in message.body_html  # shown, escaped, as text
    assert not any("evil.example" in link for link in links)
    assert f"/orders/{order.tracking_token}" in " ".join(links)  # the tracking page is a link


def test_the_tracking_url_and_an_address_the_seller_wrote_are_links():
    shipped = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "shipped"))
    db.session.add(
        MessageTemplate(
            event="tracking_number",
            channel=Channel.EMAIL,
            body={"en": "Hi {{ customer.first_name }}: {{ order.tracking_url }}\nhttps://instagram.com/lale."},
        )
    )
    order = make_sales_order(name=f"{EVIL} Yılmaz")
    orders.change_status(order, shipped, by=Actor.system(), tracking_number="YK123456789", carrier="yurtici")
    db.session.flush()

    message = _written(event="tracking_number")

    links = _links(message.body_html)
    assert any("YK123456789" in link for link in links)
    assert "https://instagram.com/lale" in links
    assert message.body_text.startswith(f"Hi {EVIL.split()[0]}")
    assert not any("evil.example" in link for link in links)


def test_the_cart_reminder_links_its_restore_link_only():
    cart = make_cart((make_product().variants[0], 1))
    cart.email = "guest@example.com"
    cart.name = EVIL
    db.session.flush()
    cart.updated_at = utcnow() - timedelta(hours=5)
    db.session.commit()

    assert carts.scan_abandoned_carts() == 1
    message = _written(event="abandoned_cart")

    links = _links(message.body_html)
    assert any("/cart/restore/" in link for link in links)
    assert not any("evil.example" in link for link in links)
