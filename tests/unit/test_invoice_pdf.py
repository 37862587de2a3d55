"""Invoice and credit-note PDFs (issue 13), read back with pypdf: the number, parties, lines,
VAT per rate, totals, amount in words and payment in the document's language; Persian in
logical order. Rendering is slow: each PDF is made once for the module."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal

import pytest
from pypdf import PdfReader

from shop.extensions import db
from shop.invoicing import pdf, services
from shop.orders.history import Actor
from shop.payments import refunds
from shop.sales import services as sales
from shop.sales.models import PaymentMethod
from shop.settings import services as settings
from tests.conftest import _wipe
from tests.factories import checkout_details, make_cart, make_product
from tests.unit.test_refunds import capture

VKN = "4540536920"
PERSIAN_NAME = "علی رضایی"


def facts(document) -> dict:
    """What the tests compare with, read while the document's session is open."""
    return {
        "number": document.number,
        "total": document.total,
        "breakdown": document.vat_breakdown,
        "locale": document.locale,
        "currency": document.currency,
    }


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture(scope="module")
def printed(app):
    """{"en" | "fa" | "credit-note": (text, invoice facts)}; the database is emptied after."""
    out = {}
    with app.test_request_context():
        settings.update(
            shop_name="Demo Shop", seller_address="Bağdat Cd. 5\nİstanbul", seller_tax_id="1234567890"
        )
        shirt = make_product(price="79.90", vat_rate="20", name="Linen shirt")
        book = make_product(price="12.35", vat_rate="10", name="Notebook")
        english = sales.confirm_quotation(
            make_cart((shirt.variants[0], 3), (book.variants[0], 2)),
            checkout_details(company_name="Yılmaz Ltd.", tax_id=VKN, payment_method=PaymentMethod.CARD),
        )
        capture(english)
        invoice = services.invoice_for(english) or services.issue_invoice(english, by=Actor.system())
        out["en"] = (pdf_text(pdf.pdf(invoice)), facts(invoice))
        refunds.refund(
            english,
            by=Actor.system(),
            key=uuid.uuid4().hex,
            lines=[{"line_id": english.lines[1].id, "quantity": 1}],
        )
        note = [d for d in services.documents_for(english) if d.is_credit_note][0]
        out["credit-note"] = (pdf_text(pdf.pdf(note)), facts(note))

        settings.update(currency="IRR")
        rice = make_product(price="1500000", vat_rate="10", name="Rice")
        persian = sales.confirm_quotation(
            make_cart((rice.variants[0], 2)),
            checkout_details(
                name=PERSIAN_NAME, city="تهران", country="IR", postal_code="1111111111", locale="fa"
            ),
        )
        invoice = services.issue_invoice(persian, by=Actor.system())
        out["fa"] = (pdf_text(pdf.pdf(invoice)), facts(invoice))
        db.session.commit()
    yield out
    _wipe(app)


def test_the_english_invoice_says_what_an_invoice_must(printed):
    content, invoice = printed["en"]

    assert "Invoice" in content and invoice["number"] in content
    assert "Demo Shop" in content and "1234567890" in content  # seller and its tax ID
    assert "Yılmaz Ltd." in content and VKN in content  # buyer and theirs
    assert "Linen shirt" in content and "Notebook" in content and "Delivery" in content
    assert "VAT by rate" in content
    assert f"TRY{invoice['total']:,}" in content
    assert "Card, online" in content and "Paid" in content
    assert "In words: three hundred and forty-four Turkish Lira" in content.replace("\n", " ")


def test_the_vat_breakdown_is_printed_per_rate(printed):
    content, invoice = printed["en"]

    for row in invoice["breakdown"]:
        assert f"TRY{Decimal(row['vat']):,}" in content
    assert [row["rate"] for row in invoice["breakdown"]] == ["10", "20"]


def test_the_credit_note_refers_to_its_invoice_with_negative_amounts(printed):
    content, note = printed["credit-note"]
    invoice_text, invoice = printed["en"]

    assert "Credit note" in content and note["number"] in content
    assert f"Corrects invoice {invoice['number']}" in content
    assert "-TRY12.35" in content and note["total"] == Decimal("-12.35")


def test_the_persian_invoice_is_in_persian_in_logical_order(printed):
    content, invoice = printed["fa"]

    assert PERSIAN_NAME in content and "تهران" in content
    # 2 x 1,500,000 rials and 1,500,000 delivery, in Persian words, rials not toman.
    assert invoice["total"] == Decimal("4500000")
    assert "چهار میلیون و پانصد هزار ریال ایران" in content
    assert invoice["locale"] == "fa" and invoice["currency"] == "IRR"
