"""Printed documents in the back office (issue 12): stable addresses per order and kind (404
where the document does not apply), the on-screen preview, admin and staff only (a courier
gets 403), the dispatch note's number given once, batches made by the worker, and the
seller's details on the settings page. PDFs are few here: test_documents.py reads them closely."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from shop.documents.models import DocumentBatch, IssuedDocument
from shop.extensions import db
from shop.notifications import worker
from shop.orders.models import OrderEvent
from shop.sales.models import Order, OrderState
from shop.settings import services as settings
from tests.factories import make_product, make_sales_order, make_warehouse, pickup_details
from tests.web.conftest import location_path, text
from tests.web.test_backoffice_access import logged_in
from tests.web.test_backoffice_settings import settings_form

KINDS = ("packing-slip", "dispatch-note", "shipping-label", "pickup-label")


def url(number: str, kind: str, pdf: bool = True) -> str:
    return f"/admin/orders/{number}/documents/{kind}{'.pdf' if pdf else ''}"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pickup_order():
    warehouse = make_warehouse()
    variant = make_product(stock={warehouse: 5}).variants[0]
    return make_sales_order((variant, 1), **pickup_details(warehouse).__dict__)


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff", name="Selin Staff")
    return shopper


def order_id(number: str) -> int:
    return db.session.scalar(select(Order.id).where(Order.number == number))


def batch_count() -> int:
    return db.session.scalar(select(func.count()).select_from(DocumentBatch))


def test_order_page_links_the_documents_of_its_delivery(staff):
    carrier = make_sales_order()
    pickup = pickup_order()

    carrier_page = text(staff.get(f"/admin/orders/{carrier.number}"))
    pickup_page = text(staff.get(f"/admin/orders/{pickup.number}"))

    assert url(carrier.number, "shipping-label") in carrier_page
    assert url(carrier.number, "pickup-label") not in carrier_page
    assert url(pickup.number, "pickup-label") in pickup_page
    assert url(pickup.number, "shipping-label") not in pickup_page
    assert url(pickup.number, "packing-slip", pdf=False) in pickup_page  # the preview


def test_documents_that_do_not_apply_are_404(staff):
    carrier = make_sales_order()
    pickup = pickup_order()
    cancelled = make_sales_order()
    cancelled.state = OrderState.CANCELLED

    assert staff.get(url(carrier.number, "pickup-label")).status_code == 404
    assert staff.get(url(pickup.number, "shipping-label")).status_code == 404
    assert staff.get(url(cancelled.number, "packing-slip")).status_code == 404
    assert staff.get(url(carrier.number, "invoice")).status_code == 404
    assert staff.get(url("S999999", "packing-slip")).status_code == 404
    assert staff.get(url(carrier.number, "nothing", pdf=False)).status_code == 404


def test_a_courier_gets_403_and_a_stranger_the_login(shopper):
    order = make_sales_order()
    db.session.commit()
    assert location_path(shopper.get(url(order.number, "packing-slip"))).startswith("/admin/login?")

    logged_in(shopper, "courier")
    for kind in ("packing-slip", "dispatch-note", "shipping-label"):
        assert shopper.get(url(order.number, kind)).status_code == 403
        assert shopper.get(url(order.number, kind, pdf=False)).status_code == 403
    assert (
        shopper.post(
            "/admin/documents/batches", {"kind": "packing-slip", "numbers": order.number}
        ).status_code
        == 403
    )
    assert batch_count() == 0


def test_preview_is_the_same_document_and_issues_no_number(staff):
    order = make_sales_order(name="Ayşe Yılmaz")

    response = staff.get(url(order.number, "dispatch-note", pdf=False))

    assert response.status_code == 200
    page = text(response)
    assert order.number in page and "Ayşe Yılmaz" in page and "SKU-" in page
    assert url(order.number, "dispatch-note") in page  # the PDF link
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 0


def test_printing_the_dispatch_note_gives_its_number_once(staff):
    settings.update(seller_tax_id="1234567890", seller_address="Bağdat Cd. 5, İstanbul")
    order = make_sales_order()

    first = staff.get(url(order.number, "dispatch-note"), buffered=True)
    again = staff.get(url(order.number, "dispatch-note"), buffered=True)

    assert first.status_code == 200 and first.content_type == "application/pdf"
    issued = db.session.scalars(select(IssuedDocument)).all()
    assert len(issued) == 1
    assert issued[0].number in pdf_text(first.data) and issued[0].number in pdf_text(again.data)
    assert "1234567890" in pdf_text(first.data)
    assert issued[0].user_id is not None
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.kind == "document")).all()
    assert [event.note for event in events] == [issued[0].number]
    order_page = text(staff.get(f"/admin/orders/{order.number}"))
    assert issued[0].number in order_page and "Dispatch note issued" in order_page  # panel, timeline


def test_batch_from_the_order_list_is_made_by_the_worker(staff):
    first, second = make_sales_order(name="Ayşe Yılmaz"), make_sales_order(name="Jan Kowalski")
    pickup = pickup_order()
    db.session.commit()
    first, second, pickup = (order.number for order in (first, second, pickup))  # the worker ends the session
    listing = text(staff.get("/admin/orders"))
    assert 'formaction="/admin/documents/batches"' in listing and 'value="shipping-label"' in listing

    # As the order list's form sends it: the ticked orders' ids, the button's kind.
    response = staff.post(
        "/admin/documents/batches",
        {
            "order": [str(order_id(first)), str(order_id(second)), str(order_id(pickup))],
            "kind": "shipping-label",
            "status": "",
        },
        token_from="/admin/orders",
    )

    assert response.status_code == 303
    batch = db.session.scalars(select(DocumentBatch)).one()
    batch_id = batch.id
    assert location_path(response) == f"/admin/documents/batches/{batch.id}"
    assert batch.numbers == [first, second]  # the pickup order has no shipping label
    waiting = text(staff.get(location_path(response)))
    assert "<progress" in waiting and "hx-get" in waiting
    assert staff.get(f"/admin/documents/batches/{batch.id}.pdf").status_code == 404  # not made yet

    worker.run(once=True)  # as `flask worker` does in production
    db.session.commit()

    done = staff.get(f"/admin/documents/batches/{batch_id}/status")
    assert "hx-get" not in text(done) and f"/admin/documents/batches/{batch_id}.pdf" in text(done)
    pdf = staff.get(f"/admin/documents/batches/{batch_id}.pdf", buffered=True)
    assert pdf.content_type == "application/pdf"
    content = pdf_text(pdf.data)
    assert db.session.get(DocumentBatch, batch_id).status == "done"
    assert first in content and second in content and pickup not in content
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 2


def test_batch_by_numbers_as_the_work_list_sends_them(staff):
    order = make_sales_order()
    db.session.commit()
    response = staff.post(
        "/admin/documents/batches", {"kind": "packing-slip", "numbers": [order.number, "S999999"]}
    )
    assert response.status_code == 303
    assert db.session.scalars(select(DocumentBatch)).one().numbers == [order.number]


@pytest.mark.parametrize(
    "form",
    [
        {"kind": "invoice", "numbers": "S000001"},
        {"kind": "pickup-label", "numbers": "S000001"},  # a carrier order: no pickup label
        {"kind": "packing-slip"},
        {"kind": "packing-slip", "order": ["x", "-1", "99999999999"]},
        {"kind": ["packing-slip", "x"] * 3, "numbers": "\x00"},
    ],
)
def test_bad_batches_are_refused_and_queue_nothing(staff, form):
    make_sales_order()
    db.session.commit()
    response = staff.post("/admin/documents/batches", form)
    assert response.status_code == 303 and location_path(response) == "/admin/orders"
    assert batch_count() == 0


def test_a_batch_without_csrf_queues_nothing(staff):
    order = make_sales_order()
    db.session.commit()
    staff.post("/admin/documents/batches", {"kind": "packing-slip", "numbers": order.number}, csrf=False)
    assert batch_count() == 0


def test_seller_details_are_settings_with_history(shopper):
    logged_in(shopper, "admin")
    page = text(shopper.get("/admin/settings"))
    assert 'name="seller_tax_id"' in page and 'name="seller_tax_office"' in page

    form = settings_form(
        seller_address="Bağdat Cd. 5\nİstanbul", seller_tax_id="1234567890", seller_tax_office="Kadıköy"
    )
    assert shopper.post("/admin/settings", form, token_from="/admin/settings").status_code == 303
    saved = settings.current_fresh()
    assert (saved.seller_tax_id, saved.seller_tax_office) == ("1234567890", "Kadıköy")
    assert "Seller's tax ID" in text(shopper.get("/admin/settings"))  # in the change history

    form["seller_tax_id"] = "x" * 40
    assert shopper.post("/admin/settings", form, token_from="/admin/settings").status_code == 422
    assert settings.current_fresh().seller_tax_id == "1234567890"


def test_a_batch_that_breaks_is_failed_and_issues_no_number(staff, monkeypatch):
    order = make_sales_order()
    db.session.commit()
    number = order.number
    staff.post("/admin/documents/batches", {"kind": "dispatch-note", "numbers": number})
    batch_id = db.session.scalar(select(DocumentBatch.id))

    def broken(html, font_config):  # noqa: ANN001
        raise RuntimeError("layout failed")

    monkeypatch.setattr("shop.documents.render._layout", broken)
    worker.run(once=True)

    page = text(staff.get(f"/admin/documents/batches/{batch_id}"))
    assert "The batch stopped on an unexpected error" in page
    assert db.session.get(DocumentBatch, batch_id).status == "failed"
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == 0
    assert staff.get(f"/admin/documents/batches/{batch_id}.pdf").status_code == 404


def test_a_batch_whose_orders_were_cancelled_meanwhile_says_so(staff):
    order = make_sales_order()
    db.session.commit()
    staff.post("/admin/documents/batches", {"kind": "packing-slip", "numbers": order.number})
    db.session.get(Order, order.id).state = OrderState.CANCELLED
    db.session.commit()

    worker.run(once=True)

    batch_id = db.session.scalar(select(DocumentBatch.id))
    assert "None of the selected orders has a Packing slip." in text(
        staff.get(f"/admin/documents/batches/{batch_id}")
    )
