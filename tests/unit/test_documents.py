"""Printed documents (issue 12): the PDFs say what they must in the order's language (text
extracted back), pages are not blank (rendered to PNG), the barcode and QR codes decode to the
values printed, and dispatch-note numbers are gapless, once per order, also under concurrency.

PDF rendering is slow: the documents are rendered once for the module and the tests read them."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from shop.catalog.models import Product
from shop.db_types import utcnow
from shop.documents import numbering, render
from shop.documents.models import DocumentCounter, IssuedDocument
from shop.extensions import db
from shop.orders.history import Actor
from shop.sales.models import Order, OrderState
from shop.settings import services as settings
from tests.conftest import _wipe
from tests.factories import make_product, make_sales_order, make_warehouse, pickup_details

PERSIAN_NAME = "علی رضایی"
TURKISH = "Ayşe Yılmaz Doğan"  # ş ı ğ, and İ in the address
POLISH = "Zażółć gęślą jaźń"  # ą ę ł ń ó ś ź ż
SHOP_URL = "https://shop.example"


def _orders() -> dict[str, Order]:
    istanbul = make_warehouse("IST")
    shirt = make_product(stock={istanbul: 20}, name="Linen shirt")
    db.session.get(Product, shirt.id).weight_grams = 350
    cup = make_product(stock={istanbul: 20}, name="Tea glass")
    db.session.get(Product, cup.id).weight_grams = 120
    lines = ((shirt.variants[0], 2), (cup.variants[0], 3))
    settings.update(
        shop_name="Demo Shop",
        seller_address="Bağdat Cd. 5\nİstanbul",
        seller_tax_id="1234567890",
        seller_tax_office="Kadıköy",
    )
    orders = {
        "tr": make_sales_order(*lines, name=TURKISH),
        "pl": make_sales_order(*lines, name="Jan Nowak", city="Gdańsk", country="PL", postal_code="80-001"),
        "fa": make_sales_order(
            *lines, name=PERSIAN_NAME, city="تهران", country="IR", postal_code="1111111111"
        ),
        "pickup": make_sales_order(*lines, **pickup_details(istanbul, name=TURKISH).__dict__),
    }
    orders["pl"].company_name = POLISH
    orders["tr"].tracking_number = "YK123456789TR"
    for key, order in orders.items():
        order.locale = key if key in ("tr", "pl", "fa") else "tr"
    db.session.flush()
    return orders


@pytest.fixture(scope="module")
def printed(app):
    """{name: (pdf bytes, facts)} rendered once; the database is left empty again."""
    app.config["SHOP_URL"] = SHOP_URL
    out = {}
    with app.test_request_context():
        orders = _orders()
        by = Actor.system()
        for key, order in orders.items():
            kinds = render.kinds_for(order)
            for kind in kinds:
                out[(key, kind)] = (
                    render.pdf_for(kind, [order], by=by),
                    {
                        "number": order.number,
                        "tracking": order.tracking_number,
                        "tracking_url": render.tracking_page_url(order),
                        "dispatch": getattr(numbering.issued(order, kind), "number", None),
                    },
                )
        db.session.commit()
        db.session.remove()
    _wipe(app)
    return out


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def first_page_png(pdf: bytes, scale: float = 4):
    document = pypdfium2.PdfDocument(pdf)
    return document[0].render(scale=scale).to_pil().convert("L")


def test_each_order_has_the_documents_of_its_delivery(printed):
    kinds = {key: sorted(kind for (order, kind) in printed if order == key) for key in ("tr", "pickup")}
    assert kinds["tr"] == ["dispatch-note", "packing-slip", "shipping-label"]
    assert kinds["pickup"] == ["dispatch-note", "packing-slip", "pickup-label"]


def test_packing_slip_text_has_the_order_and_its_lines(printed):
    pdf, facts = printed[("tr", "packing-slip")]
    content = pdf_text(pdf)
    assert facts["number"] in content
    assert "Ürün" in content  # the products' Turkish names
    assert "SKU-" in content
    assert TURKISH in content and "İstiklal" in content


def test_polish_letters_survive(printed):
    content = pdf_text(printed[("pl", "dispatch-note")][0])
    assert POLISH in content and "Gdańsk" in content


def test_persian_is_there_in_logical_order(printed):
    content = pdf_text(printed[("fa", "packing-slip")][0])
    # Logical (reading) order: the words as typed, not their glyphs reversed for display.
    assert PERSIAN_NAME in content, content
    assert "تهران" in content and "ایران" in content


def test_dispatch_note_has_seller_buyer_tax_ids_number_and_no_prices(printed):
    pdf, facts = printed[("tr", "dispatch-note")]
    content = pdf_text(pdf)
    assert facts["dispatch"] and facts["dispatch"].startswith("IRS")
    assert facts["dispatch"] in content
    assert "1234567890" in content and "Kadıköy" in content and "Bağdat" in content
    assert TURKISH in content
    assert "100" not in content.replace(facts["dispatch"], "")  # the unit price (100.00) is not printed


def test_pages_are_not_blank(printed):
    image = first_page_png(printed[("fa", "packing-slip")][0], scale=1)
    dark = sum(1 for value in image.tobytes() if value < 128)
    assert dark > 2000, dark  # text, lines and borders; an empty page has none


def test_shipping_label_codes_decode_to_the_printed_values(printed):
    pdf, facts = printed[("tr", "shipping-label")]
    content = pdf_text(pdf)
    assert facts["tracking"] in content and "kg" in content  # the weight: 2 × 350 g + 3 × 120 g
    found = {result.format.name: result.text for result in zxingcpp.read_barcodes(first_page_png(pdf))}
    assert found.get("Code128") == facts["tracking"]
    assert found.get("QRCode") == facts["tracking_url"]
    assert facts["tracking_url"].startswith(f"{SHOP_URL}/orders/")


def test_pickup_label_qr_opens_the_pickup_screen(printed):
    pdf, facts = printed[("pickup", "pickup-label")]
    assert facts["number"] in pdf_text(pdf)
    found = {result.format.name: result.text for result in zxingcpp.read_barcodes(first_page_png(pdf))}
    assert found.get("QRCode") == f"{SHOP_URL}/admin/orders/{facts['number']}/pickup"


# --- numbering ---------------------------------------------------------------------------------


def test_dispatch_numbers_are_given_once_per_order_in_sequence():
    orders = [make_sales_order() for _ in range(3)]
    by = Actor.system()
    first = [numbering.issue(order, "dispatch-note", by=by).sequence for order in orders]
    again = numbering.issue(orders[0], "dispatch-note", by=by)
    db.session.commit()

    assert first == [1, 2, 3]
    assert again.sequence == 1
    assert again.number == f"IRS{utcnow().year}000000001"


def test_a_rolled_back_issue_gives_its_number_back():
    kept, dropped, later = make_sales_order(), make_sales_order(), make_sales_order()
    by = Actor.system()
    numbering.issue(kept, "dispatch-note", by=by)
    db.session.commit()
    numbering.issue(dropped, "dispatch-note", by=by)  # e.g. the PDF failed to render
    db.session.rollback()

    assert numbering.issue(later, "dispatch-note", by=by).sequence == 2


def test_each_year_starts_again():
    by = Actor.system()
    now = utcnow()
    a = numbering.issue(make_sales_order(), "dispatch-note", by=by, now=now)
    b = numbering.issue(make_sales_order(), "dispatch-note", by=by, now=now + timedelta(days=366))
    assert (a.sequence, b.sequence) == (1, 1) and a.year != b.year


THREADS = 10  # below the connection pool's size: each holds a real connection at the same time


def _issue_all(app, order_ids: list[int]) -> list[str]:
    start = threading.Barrier(len(order_ids), timeout=60)
    errors: list[str] = []

    def issuer(order_id: int) -> None:
        with app.test_request_context():
            try:
                order = db.session.get(Order, order_id)
                start.wait()
                numbering.issue(order, "dispatch-note", by=Actor.system())
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported by the test)
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issuer, args=(order_id,)) for order_id in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_issues_leave_no_gaps_and_no_duplicates(app):
    orders = [make_sales_order() for _ in range(THREADS)]
    same = orders[0]
    db.session.commit()
    # Every order at once, and the first order a second time at the same moment.
    ids = [order.id for order in orders] + [same.id]
    db.session.remove()

    errors = _issue_all(app, ids)

    assert errors == []
    sequences = sorted(db.session.scalars(select(IssuedDocument.sequence)))
    assert sequences == list(range(1, THREADS + 1))
    assert db.session.scalar(select(DocumentCounter.last_number)) == THREADS
    assert (
        db.session.scalar(
            select(func.count()).select_from(IssuedDocument).where(IssuedDocument.order_id == same.id)
        )
        == 1
    )


def test_only_sales_orders_have_documents():
    order = make_sales_order()
    order.state = OrderState.CANCELLED
    assert render.kinds_for(order) == []
