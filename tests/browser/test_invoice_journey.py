"""Invoices in the browser (issue 13): a customer asks for the invoice on their tracking page
and downloads it; staff see it, and the credit note of a refund, on the order page."""

from __future__ import annotations

import io
import re
import uuid

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from shop.demo.orders import DEMO_STAFF
from shop.extensions import db
from shop.invoicing import services
from shop.orders.history import Actor
from shop.payments import refunds
from shop.payments import services as payments
from tests.factories import make_product, make_sales_order


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_a_customer_requests_the_invoice_and_staff_download_its_credit_note(page: Page) -> None:
    order = make_sales_order((make_product(price="120.00").variants[0], 2), name="Anna Kowalska")
    db.session.commit()
    number, token = order.number, order.tracking_token

    page.goto(f"/orders/{token}")
    page.get_by_role("button", name="Request an invoice").click()
    panel = page.get_by_test_id("invoices")
    expect(panel).to_contain_text("INV/")
    with page.expect_download() as download:
        panel.locator('a[data-kind="invoice"]').click()
    invoice = services.invoice_for(order)
    assert invoice.number in pdf_text(open(download.value.path(), "rb").read())  # noqa: SIM115

    # Paid in cash, then 20.00 back: the credit note is on the order page.
    payments.record_cash_payment(order, order.total, by=Actor.system())
    refunds.record_manual_refund(
        order, by=Actor.system(), key=uuid.uuid4().hex, amount="20.00", method="cash", reference="till"
    )
    db.session.commit()
    note = services.documents_for(order)[-1]
    page.goto(f"/admin/orders/{number}")
    page.wait_for_url(re.compile(r"/admin/login"))
    page.get_by_label("E-mail").fill(DEMO_STAFF[0])
    page.get_by_label("Password").fill(DEMO_STAFF[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"/admin/orders/{number}$"))
    invoices = page.get_by_test_id("invoices")
    expect(invoices).to_contain_text(f"Invoice {invoice.number}")
    expect(invoices).to_contain_text(f"Credit note {note.number}")
    response = page.request.get(f"/admin/orders/{number}/documents/credit-note.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert note.number in pdf_text(response.body()) and "Corrects invoice" in pdf_text(response.body())
