"""HTTP-test helpers: a shopper (the test client with CSRF tokens and commits), page text, forms.

The autouse ``ctx`` fixture keeps an app context pushed for the whole test, and Flask reuses an
active app context of the same app for a request instead of pushing its own. Requests sent from
inside it would share the test's ``g`` (Flask-WTF's cached CSRF token, Flask-Login's cached
user, Flask-Babel's cached locale, the cached shop settings) and its database session, with the
test and with each other, which no real browser does. So the ``Shopper`` sends every request
from an empty ``contextvars.Context``: the request pushes its own app context, as in production.

The ``Shopper`` also commits the test's session before each request (so the request sees what
the test made) and again after it (so the test's next read starts a new transaction and sees
what the request committed, on SQLite's WAL snapshots as on PostgreSQL).
"""

from __future__ import annotations

import contextvars
import html
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shop.accounts import services as accounts
from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.extensions import db
from shop.i18n import shop_today
from shop.sales.models import Order, OrderLine

_TOKEN_IN_FORM = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
_TOKEN_IN_HEADERS = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')
_FIELD_BLOCK = re.compile(r'<div class="(?:[^"]*\s)?field(?:\s[^"]*)?">(.*?)</div>', re.S)
_FIELD_ERROR = re.compile(r'<p class="field-error" role="alert">(.*?)</p>', re.S)

PASSWORD = "correct horse battery"


# --- reading responses ----------------------------------------------------------------------


def text(response: TestResponse) -> str:
    """The body with HTML entities decoded (Jinja writes ' as &#39;)."""
    return html.unescape(response.get_data(as_text=True))


def csrf_token_in(response: TestResponse) -> str | None:
    body = response.get_data(as_text=True)
    found = _TOKEN_IN_FORM.search(body) or _TOKEN_IN_HEADERS.search(body)
    return html.unescape(found.group(1)) if found else None


def field_errors(response: TestResponse, name: str) -> list[str]:
    """The messages shown inside the field block (``div.field``) of the input named ``name``."""
    for block in _FIELD_BLOCK.findall(response.get_data(as_text=True)):
        if f'name="{name}"' in block:
            return [html.unescape(message).strip() for message in _FIELD_ERROR.findall(block)]
    raise AssertionError(f"no field named {name!r} on the page")


def cart_row(response: TestResponse, sku: str) -> str:
    """The cart table row of one line, decoded; fails if the line is not shown."""
    found = re.search(
        rf'<tr class="line" data-sku="{re.escape(sku)}">(.*?)</tr>', response.get_data(as_text=True), re.S
    )
    assert found, f"no cart line for {sku}"
    return html.unescape(found.group(1))


def quantity_input_value(row: str) -> str:
    found = re.search(r'name="quantity" type="number"[^>]*value="([^"]*)"', row)
    assert found, "no quantity input in the row"
    return found.group(1)


def location_path(response: TestResponse) -> str:
    """The path of a redirect's Location (absolute or relative), with its query string."""
    location = response.headers.get("Location", "")
    return re.sub(r"^https?://[^/]+", "", location)


# --- the database, seen from the test ------------------------------------------------------


def lines_of(order_id: int) -> dict[str, int]:
    return {
        line.sku: line.quantity
        for line in db.session.scalars(db.select(OrderLine).where(OrderLine.order_id == order_id))
    }


def all_order_lines() -> int:
    return len(db.session.scalars(db.select(OrderLine)).all())


def make_customer(email: str = "ayse@example.com", password: str = PASSWORD, name: str = "Ayşe") -> User:
    user = accounts.register_customer(email, password, name=name)
    db.session.flush()
    return user


def next_weekday(weekday: int, *, after: date | None = None, at_least_days: int = 1) -> date:
    """The first date with ``weekday`` (0 = Monday) at least ``at_least_days`` from ``after``."""
    day = (after or shop_today()) + timedelta(days=at_least_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def checkout_form(**over: str) -> dict[str, str]:
    """A complete, valid checkout form: carrier delivery to Istanbul, cash payment."""
    values = {
        "email": "ayse@example.com",
        "phone": "+90 532 123 45 67",
        "name": "Ayşe Yılmaz",
        "delivery_method": "carrier",
        "payment_method": "cash",
        "address_line": "İstiklal Cd. 1",
        "city": "İstanbul",
        "postal_code": "34430",
        "country": "TR",
        "pickup_warehouse": "",
        "pickup_date": "",
        "company_name": "",
        "tax_id": "",
    }
    values.update(over)
    return values


# --- the shopper -----------------------------------------------------------------------------


class Shopper:
    """One browser: the test client and its cookies, sending CSRF tokens like the pages do."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open(
        self, url: str, *, method: str = "GET", htmx: bool = False, headers: dict | None = None, **kwargs
    ) -> TestResponse:
        headers = dict(headers or {})
        if htmx:
            headers["HX-Request"] = "true"
        db.session.commit()
        try:
            return contextvars.Context().run(self.client.open, url, method=method, headers=headers, **kwargs)
        finally:
            db.session.commit()

    def get(self, url: str, **kwargs) -> TestResponse:
        return self.open(url, method="GET", **kwargs)

    def csrf_token(self, page: str = "/") -> str:
        """A token for this browser's session, read from a page as a browser would."""
        response = self.get(page)
        token = csrf_token_in(response)
        assert token, f"no CSRF token on {page} ({response.status_code})"
        return token

    def post(
        self,
        url: str,
        data: dict | bytes | str | None = None,
        *,
        csrf: bool = True,
        token_from: str = "/",
        htmx: bool = False,
        headers: dict | None = None,
        **kwargs,
    ) -> TestResponse:
        """Post a form or a raw body, with a CSRF token read from ``token_from`` unless ``csrf`` is False.

        The token goes in the form, or in the X-CSRFToken header for htmx and raw bodies, as the
        pages' hx-headers send it.
        """
        raw = isinstance(data, (bytes, str))
        data = data if raw else dict(data or {})
        headers = dict(headers or {})
        if csrf and (raw or "csrf_token" not in data) and "X-CSRFToken" not in headers:
            token = self.csrf_token(token_from)
            if htmx or raw:
                headers["X-CSRFToken"] = token
            else:
                data["csrf_token"] = token
        return self.open(url, method="POST", data=data, htmx=htmx, headers=headers, **kwargs)

    # --- what shoppers do ---------------------------------------------------------------

    def add(
        self, variant: Variant, quantity: int | str = 1, *, product_id: int | str | None = None, **kwargs
    ) -> TestResponse:
        product_id = variant.product_id if product_id is None else product_id
        return self.post(
            "/cart/add",
            {"product": str(product_id), "variant": str(variant.id), "quantity": str(quantity)},
            **kwargs,
        )

    def session(self) -> dict:
        """A copy of this browser's (signed cookie) session."""

        def read() -> dict:
            with self.client.session_transaction() as session:
                return dict(session)

        return contextvars.Context().run(read)

    def cart_id(self) -> int | None:
        """The guest cart's id kept in this browser's session."""
        return self.session().get("cart_id")

    def cart(self) -> Order:
        cart_id = self.cart_id()
        assert cart_id is not None, "this browser has no cart"
        order = db.session.get(Order, cart_id)
        assert order is not None
        return order

    def checkout(self, **fields: str) -> TestResponse:
        """Open the checkout page and confirm it with ``fields`` over a valid form."""
        page = self.get("/checkout")
        assert page.status_code == 200, page.status_code
        found = re.search(
            r'name="expected_subtotal" type="hidden" value="([^"]*)"', page.get_data(as_text=True)
        )
        form = checkout_form(
            expected_subtotal=found.group(1) if found else "", csrf_token=csrf_token_in(page)
        )
        form.update(fields)
        return self.post("/checkout", form)

    def login(self, email: str = "ayse@example.com", password: str = PASSWORD, **kwargs) -> TestResponse:
        return self.post(
            "/account/login", {"email": email, "password": password}, token_from="/account/login", **kwargs
        )


@pytest.fixture
def shopper(client: FlaskClient) -> Shopper:
    return Shopper(client)


@pytest.fixture
def other_shopper(app: Flask) -> Iterator[Shopper]:
    """A second browser, with cookies of its own."""
    yield Shopper(app.test_client())
