"""Invoices (issue 13, B11): when they are issued, what they freeze, their numbers and formats,
VAT per rate from each rate's total, the request window, settings, and `flask invoices check`."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from shop.db_types import utcnow
from shop.extensions import db
from shop.invoicing import amounts, archive, services
from shop.invoicing import settings as invoicing_settings
from shop.invoicing.cli import invoices_cli
from shop.invoicing.errors import InvalidBuyerTaxId, InvoiceRefused
from shop.invoicing.models import Invoice, InvoiceKind
from shop.notifications.models import OutboxMessage
from shop.orders.history import Actor
from shop.sales.models import OrderState
from shop.settings import services as settings
from shop.settings.services import InvalidSettings
from tests.factories import make_cart, make_product, make_sales_order
from tests.smtp import smtp  # noqa: F401  (fixture)

VKN = "4540536920"  # a valid Turkish tax number (python-stdnum's example)
STAFF = Actor.system()


def test_a_b2b_order_is_invoiced_when_it_becomes_a_sales_order():
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)

    invoice = services.invoice_for(order)

    assert invoice is not None and invoice.reason == "b2b"
    assert invoice.number == f"INV/{invoice.year}/000001"
    assert invoice.buyer["company_name"] == "Yılmaz Ltd." and invoice.buyer["tax_id"] == VKN


def test_a_b2c_order_is_not_invoiced_until_asked():
    order = make_sales_order()

    assert services.invoice_for(order) is None
    assert services.can_request(order)


def test_the_invoice_freezes_lines_delivery_and_totals_equal_to_the_order():
    shirt = make_product(price="79.90", vat_rate="20")
    book = make_product(price="12.35", vat_rate="10")
    order = make_sales_order((shirt.variants[0], 3), (book.variants[0], 2))

    invoice = services.issue_invoice(order, by=STAFF)

    assert invoice.total == order.total == Decimal("239.70") + Decimal("24.70") + order.delivery_price
    assert [line["sku"] for line in invoice.lines[:2]] == [shirt.variants[0].sku, book.variants[0].sku]
    assert invoice.lines[-1]["delivery"] is True
    assert invoice.lines[0]["quantity"] == 3 and invoice.lines[0]["unit_price"] == "79.90"
    assert invoice.net_total + invoice.tax_total == invoice.total
    assert [row["rate"] for row in invoice.vat_breakdown] == ["10", "20"]


def test_an_issued_invoice_does_not_change_with_the_order():
    order = make_sales_order(name="Ayşe Yılmaz")
    invoice = services.issue_invoice(order, by=STAFF)

    order.name = "Someone Else"
    settings.update(shop_name="Renamed Shop")
    db.session.flush()

    assert invoice.buyer["name"] == "Ayşe Yılmaz"
    assert invoice.seller["shop_name"] == "Demo Shop"


def test_one_invoice_per_order():
    order = make_sales_order()
    first = services.issue_invoice(order, by=STAFF)

    with pytest.raises(InvoiceRefused) as refused:
        services.issue_invoice(order, by=STAFF)

    assert first.number in str(refused.value)
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 1


def test_a_quotation_is_not_invoiced():
    order = make_cart((make_product().variants[0], 1))

    with pytest.raises(InvoiceRefused, match="Only a confirmed order can be invoiced."):
        services.issue_invoice(order, by=STAFF)


def test_an_invalid_buyer_tax_id_is_refused_before_a_number_is_taken():
    order = make_sales_order()
    order.company_name, order.tax_id = "Firma", "1234567891"
    db.session.flush()

    with pytest.raises(InvalidBuyerTaxId):
        services.issue_invoice(order, by=STAFF)

    assert services.issue_invoice(make_sales_order(), by=STAFF).sequence == 1


def test_numbers_follow_the_format_of_the_settings():
    settings.update(invoicing={"formats": {"invoice": "ABC{year}{number:09}", "credit-note": "FK/{number}"}})

    first = services.issue_invoice(make_sales_order(), by=STAFF)
    second = services.issue_invoice(make_sales_order(), by=STAFF)

    assert first.number == f"ABC{first.year}000000001"
    assert second.number == f"ABC{first.year}000000002"
    assert invoicing_settings.E_ARSIV.match(second.number)


# --- VAT per rate -----------------------------------------------------------------------------


def test_vat_per_rate_is_computed_from_the_rate_total_not_summed_from_lines():
    lines = [{"vat_rate": "20", "gross": "0.03"} for _ in range(60)]

    rows = amounts.breakdown(lines, "PLN")

    assert rows == [{"rate": "20", "net": "1.50", "vat": "0.30", "gross": "1.80"}]
    assert amounts.totals(rows) == (Decimal("1.50"), Decimal("0.30"), Decimal("1.80"))


def test_split_by_rates_adds_up_exactly_with_the_remainder_on_the_last_rate():
    rows = [{"rate": "8", "gross": "10.00"}, {"rate": "23", "gross": "20.00"}]

    parts = amounts.split_by_rates(Decimal("10.00"), rows, "PLN")

    assert parts == [("8", Decimal("3.33")), ("23", Decimal("6.67"))]


def test_amount_in_words_in_the_documents_languages():
    assert amounts.in_words(Decimal("1234.56"), "PLN", "pl") == (
        "tysiąc dwieście trzydzieści cztery złote polskie 56/100"
    )
    assert amounts.in_words(Decimal("12.50"), "TRY", "tr") == "oniki Türk lirası 50/100"
    assert amounts.in_words(Decimal("1500000"), "IRR", "fa") == "یک میلیون و پانصد هزار ریال ایران"
    assert amounts.in_words(Decimal("-3.00"), "TRY", "en") == "-three Turkish Lira 00/100"


# --- the customer's request ----------------------------------------------------------------------


def test_a_customer_may_request_the_invoice_within_the_time_limit():
    settings.update(invoicing={"request_days": 14})
    order = make_sales_order()

    invoice = services.request_invoice(order, now=order.confirmed_at + timedelta(days=13))

    assert invoice.reason == "request"


def test_a_request_after_the_time_limit_is_refused():
    settings.update(invoicing={"request_days": 14})
    order = make_sales_order()
    late = order.confirmed_at + timedelta(days=14, seconds=1)

    with pytest.raises(InvoiceRefused, match="up to 14 days after the order"):
        services.request_invoice(order, now=late)

    assert not services.can_request(order, now=late)
    assert services.invoice_for(order) is None


# --- settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("FV/{year}/{number:06}", None),
        ("ABC{year}{number:09}", None),
        ("ABC{year}{number:06}", "Turkish e-Arşiv"),
        ("FV/{year}", "exactly once"),
        ("{number}{number}", "exactly once"),
        ("FV/{number.__class__}", "Only {year} and {number}"),
        ("FV/{number!r}", "Only {year} and {number}"),
        ("FV/{number:x}", "width from 1 to 12"),
        ("FV/{year", "matching braces"),
        ("X" * 30 + "{number:06}", "longer than 32"),
        ("", "Write a number format"),
    ],
)
def test_number_formats_are_checked(pattern, problem):
    found = invoicing_settings.check_format(pattern)

    assert (found is None) if problem is None else (problem in found)


def test_settings_save_refuses_a_bad_format_and_keeps_the_good_ones():
    with pytest.raises(InvalidSettings) as refused:
        settings.save(
            {"invoicing": {"formats": {"invoice": "FV/{year}/{number:06}", "credit-note": "KOR"}}},
            by_user_id=None,
        )

    assert set(refused.value.errors) == {"invoicing.formats.credit-note"}

    settings.save(
        {
            "invoicing": {
                "formats": {"invoice": "FV/{year}/{number:06}", "credit-note": "KOR/{year}/{number:06}"},
                "request_days": "7",
                "on_online_payment": True,
            }
        },
        by_user_id=None,
    )
    assert invoicing_settings.current() == invoicing_settings.InvoicingSettings(
        formats={"invoice": "FV/{year}/{number:06}", "credit-note": "KOR/{year}/{number:06}"},
        request_days=7,
        on_online_payment=True,
    )


def test_request_days_out_of_range_are_refused():
    with pytest.raises(InvalidSettings) as refused:
        settings.save({"invoicing": {"request_days": "400"}}, by_user_id=None)

    assert refused.value.errors == {"invoicing.request_days": "Enter a whole number of days from 0 to 365."}


# --- flask invoices check --------------------------------------------------------------------------


def test_invoices_check_exits_0_without_gaps_and_1_with_a_gap_or_duplicate(app):
    first = services.issue_invoice(make_sales_order(), by=STAFF)
    second = services.issue_invoice(make_sales_order(), by=STAFF)
    db.session.commit()
    runner = app.test_cli_runner()

    fine = runner.invoke(invoices_cli, ["check"])
    assert fine.exit_code == 0 and "no gaps" in fine.output

    second.sequence = 3  # 2 is missing
    db.session.commit()
    gap = runner.invoke(invoices_cli, ["check"])
    assert gap.exit_code == 1
    assert f"invoice {first.year}: gap 2" in gap.output

    assert [p.kind for p in archive.numbering_problems()] == ["gap"]


def test_the_unique_index_refuses_a_second_document_with_the_same_number():
    first = services.issue_invoice(make_sales_order(), by=STAFF)
    db.session.commit()
    other = make_sales_order()
    copy = Invoice(**{c.name: getattr(first, c.name) for c in Invoice.__table__.columns if c.name != "id"})
    copy.order_id = other.id
    db.session.add(copy)

    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    assert archive.numbering_problems() == []


def test_states_other_than_sales_order_are_refused_by_the_auto_paths():
    order = make_sales_order()
    order.state = OrderState.CANCELLED

    assert services._issue_automatically(order, "payment") is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0
    assert InvoiceKind.INVOICE.value == "invoice"


def test_an_invoice_is_not_issued_for_an_already_invoiced_order_by_auto_paths():
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)

    assert services._issue_automatically(order, "payment") is None
    assert len(services.documents_for(order)) == 1


def test_issued_at_is_now():
    before = utcnow()
    invoice = services.issue_invoice(make_sales_order(), by=STAFF)
    assert before <= invoice.issued_at <= utcnow()


# --- the "invoice issued" e-mail -------------------------------------------------------------------


def test_the_invoice_email_carries_the_pdf_over_smtp(app, smtp):  # noqa: F811
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN, email="firma@example.com")
    invoice = services.invoice_for(order)
    queued = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.event == "invoice_issued"))
    assert queued.attachment == f"invoice:{invoice.id}"
    number, filename = invoice.number, invoice.filename
    link = f"/orders/{order.tracking_token}/invoices/{invoice.id}.pdf"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    received = next(m for m in smtp.inbox.messages if number in str(m["Subject"]))
    assert received["X-Envelope-To"] == "firma@example.com"
    (attached,) = [part for part in received.walk() if part.get_content_type() == "application/pdf"]
    assert attached.get_filename() == filename
    content = attached.get_payload(decode=True)
    text_of_pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert number in text_of_pdf and "Yılmaz Ltd." in text_of_pdf
    body = next(part for part in received.walk() if part.get_content_type() == "text/plain")
    assert link in body.get_payload(decode=True).decode()


def test_credit_notes_send_no_invoice_email():
    order = make_sales_order(company_name="Yılmaz Ltd.", tax_id=VKN)
    from shop.invoicing.credit_notes import issue_credit_note

    issue_credit_note(order, refund_id=1, amount=Decimal("5.00"), by=STAFF)

    sent = db.session.scalars(
        db.select(OutboxMessage.attachment).where(OutboxMessage.event == "invoice_issued")
    )
    assert list(sent) == [f"invoice:{services.invoice_for(order).id}"]
