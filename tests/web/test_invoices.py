"""Invoices over HTTP (issue 13): staff addresses and the "issue invoice" button, the month page
and its ZIP, and the customer's side: request within the time limit, download only their own."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta

from pypdf import PdfReader

from shop.extensions import db
from shop.invoicing import services
from shop.orders.history import Actor
from shop.payments import refunds
from shop.payments import services as payments
from shop.settings import services as settings
from tests.factories import make_sales_order
from tests.web.conftest import field_errors, make_customer, text
from tests.web.test_backoffice_access import logged_in

VKN = "4540536920"


def pdf_text(response) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)


# --- staff ------------------------------------------------------------------------------------


def test_staff_issue_the_invoice_from_the_order_page_and_download_it(shopper):
    logged_in(shopper, "staff")
    order = make_sales_order()
    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert "Issue invoice" in page

    done = shopper.post(f"/admin/orders/{order.number}/invoice", token_from=f"/admin/orders/{order.number}")

    assert done.status_code == 303
    invoice = services.invoice_for(order)
    assert invoice is not None and invoice.reason == "staff"
    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert f"Invoice {invoice.number} (PDF)" in page and "Issue invoice" not in page
    response = shopper.get(f"/admin/orders/{order.number}/documents/invoice.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert invoice.number in pdf_text(response)


def test_a_second_issue_is_refused_with_a_message(shopper):
    logged_in(shopper, "staff")
    order = make_sales_order()
    invoice = services.issue_invoice(order, by=Actor.system())
    db.session.commit()

    shopper.post(f"/admin/orders/{order.number}/invoice", token_from=f"/admin/orders/{order.number}")

    page = text(shopper.get(f"/admin/orders/{order.number}"))
    assert f"Order {order.number} has an invoice already: {invoice.number}." in page
    assert len(services.documents_for(order)) == 1


def test_the_latest_credit_note_has_a_stable_address(shopper):
    logged_in(shopper, "staff")
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    assert shopper.get(f"/admin/orders/{order.number}/documents/credit-note.pdf").status_code == 404
    payments.record_cash_payment(order, order.total, by=Actor.system())  # paid at the door
    refunds.record_manual_refund(
        order, by=Actor.system(), key=uuid.uuid4().hex, amount="10.00", method="cash", reference="till"
    )
    db.session.commit()
    note = services.documents_for(order)[-1]

    response = shopper.get(f"/admin/orders/{order.number}/documents/credit-note.pdf")

    assert response.status_code == 200 and note.is_credit_note
    assert note.number in pdf_text(response) and "Credit note" in pdf_text(response)


def test_couriers_and_visitors_get_no_invoice(shopper):
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    db.session.commit()
    assert shopper.get(f"/admin/orders/{order.number}/documents/invoice.pdf").status_code in (302, 303)

    logged_in(shopper, "courier")

    assert shopper.get(f"/admin/orders/{order.number}/documents/invoice.pdf").status_code == 403
    assert shopper.get("/admin/invoices").status_code == 403


def test_the_month_page_lists_documents_and_the_zip_has_their_pdfs(shopper):
    logged_in(shopper, "staff")
    first = services.issue_invoice(make_sales_order(), by=Actor.system())
    second = services.issue_invoice(make_sales_order(), by=Actor.system())
    db.session.commit()
    month = first.issued_at.astimezone(settings_zone()).strftime("%Y-%m")

    page = text(shopper.get(f"/admin/invoices?month={month}"))
    response = shopper.get(f"/admin/invoices/{month}.zip")

    assert first.number in page and second.number in page
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == sorted(
        ["index.csv", f"invoices/{first.filename}", f"invoices/{second.filename}"]
    )
    assert archive.read(f"invoices/{first.filename}").startswith(b"%PDF")
    assert f"invoice;{second.number};" in archive.read("index.csv").decode()


def test_an_empty_month_says_so_and_bad_months_are_the_current_one(shopper):
    logged_in(shopper, "staff")

    assert "No invoice or credit note was issued in this month." in text(
        shopper.get("/admin/invoices?month=2001-01")
    )
    assert shopper.get("/admin/invoices?month=nonsense").status_code == 200
    assert shopper.get("/admin/invoices/2026-13.zip").status_code == 404


def settings_zone():
    from flask_babel import get_timezone

    return get_timezone()


# --- the customer --------------------------------------------------------------------------------


def test_a_customer_requests_the_invoice_on_the_tracking_page_and_downloads_it(shopper):
    order = make_sales_order()
    db.session.commit()
    track = f"/orders/{order.tracking_token}"
    assert "Request an invoice" in text(shopper.get(track))

    shopper.post(f"{track}/invoice", token_from=track)

    invoice = services.invoice_for(order)
    page = text(shopper.get(track))
    assert f"Invoice {invoice.number} is issued; you can download it below." in page
    assert "Request an invoice" not in page
    response = shopper.get(f"{track}/invoices/{invoice.id}.pdf")
    assert response.status_code == 200 and invoice.number in pdf_text(response)


def test_no_request_button_after_the_time_limit_and_a_late_request_is_refused(shopper):
    settings.update(invoicing={"request_days": 7})
    order = make_sales_order()
    order.confirmed_at = order.confirmed_at - timedelta(days=8)
    db.session.commit()
    track = f"/orders/{order.tracking_token}"

    assert "Request an invoice" not in text(shopper.get(track))
    shopper.post(f"{track}/invoice", token_from=track)

    assert "An invoice can be requested up to 7 days after the order" in text(shopper.get(track))
    assert services.invoice_for(order) is None


def test_another_orders_invoice_is_not_found_through_my_link(shopper):
    mine = make_sales_order()
    theirs = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    their_invoice = services.invoice_for(theirs)
    db.session.commit()

    assert shopper.get(f"/orders/{mine.tracking_token}/invoices/{their_invoice.id}.pdf").status_code == 404
    assert shopper.get(f"/orders/{mine.tracking_token}/invoices/nonsense.pdf").status_code == 404
    assert shopper.get(f"/orders/{theirs.tracking_token}/invoices/{their_invoice.id}.pdf").status_code == 200


def test_the_account_downloads_only_its_own_invoices(shopper):
    customer = make_customer()
    other = make_customer(email="other@example.com")
    mine = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    theirs = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    mine.customer_id, theirs.customer_id = customer.id, other.id
    db.session.commit()
    own, foreign = services.invoice_for(mine), services.invoice_for(theirs)
    shopper.login()

    account = text(shopper.get("/account"))

    assert own.number in account and foreign.number not in account
    assert shopper.get(f"/account/invoices/{own.id}.pdf").status_code == 200
    assert shopper.get(f"/account/invoices/{foreign.id}.pdf").status_code == 404


# --- settings ---------------------------------------------------------------------------------------


def test_admins_set_the_number_formats_and_bad_ones_are_refused_next_to_the_field(shopper):
    logged_in(shopper, "admin")
    page = "/admin/settings/invoices"
    assert "INV/{year}/{number:06}" in text(shopper.get(page))
    form = {
        "invoice_format": "ABC{year}{number:06}",
        "credit_note_format": "KOR/{year}/{number:06}",
        "request_days": "14",
        "on_online_payment": "y",
    }

    refused = shopper.post(page, form, token_from=page)

    assert refused.status_code == 422
    assert field_errors(refused, "invoice_format") == [
        "A Turkish e-Arşiv number is 3 characters, the year and 9 digits: "
        "use for example ABC{year}{number:09}."
    ]
    saved = shopper.post(page, {**form, "invoice_format": "ABC{year}{number:09}"}, token_from=page)
    assert saved.status_code == 303
    assert settings.current_fresh().invoicing == {
        "formats": {"invoice": "ABC{year}{number:09}", "credit-note": "KOR/{year}/{number:06}"},
        "request_days": 14,
        "on_online_payment": True,
    }
    assert "Next numbers look like ABC2026000000123." in text(shopper.get(page)).replace("2027", "2026")


def test_staff_cannot_change_invoice_settings(shopper):
    logged_in(shopper, "staff")

    assert shopper.get("/admin/settings/invoices").status_code == 403
