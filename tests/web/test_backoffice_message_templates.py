"""The texts the shop sends, edited by admins (N2, N3): checked when saved, previewed before,
the defaults kept as defaults; and the statuses' own texts checked by the same rules."""

from __future__ import annotations

import html
import re

import pytest

from shop.extensions import db
from shop.notifications import messages, templating
from shop.notifications.default_templates import default_template
from shop.notifications.models import Channel, MessageTemplate
from shop.orders.models import OrderStatus
from tests.factories import make_sales_order
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in

TRACKING_SMS = "/admin/messages/tracking_number/sms"
CONFIRMATION_EMAIL = "/admin/messages/order_confirmation/email"


def saved(event: str, channel: str) -> MessageTemplate | None:
    db.session.expire_all()
    return messages.saved_template(event, channel)


def form_as_shown(page) -> dict[str, str]:
    """The editor's fields as the browser would send them back untouched."""
    body = page.get_data(as_text=True)
    values: dict[str, str] = {}
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\r?\n?(.*?)</textarea>', body, re.S):
        values[name] = value
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = value.group(1) if value else ""
    return {name: html.unescape(value) for name, value in values.items()}


@pytest.fixture
def admin(shopper):
    user = logged_in(shopper, "admin")
    shopper.user = user
    return shopper


# --- who may edit ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "courier"])
@pytest.mark.parametrize("path", ["/admin/messages", TRACKING_SMS])
def test_only_admins_edit_the_messages(shopper, role, path):
    logged_in(shopper, role)

    assert shopper.get(path).status_code == 403
    refused = shopper.post(path, {"body_en": "Taken over"}, token_from="/")
    assert refused.status_code in (403, 405)
    assert saved("tracking_number", "sms") is None


@pytest.mark.parametrize("path", ["/admin/messages", TRACKING_SMS])
def test_logged_out_visitors_go_to_the_login(shopper, path):
    response = shopper.get(path)

    assert response.status_code == 303 and location_path(response).startswith("/admin/login")


# --- the list ----------------------------------------------------------------------------------


def test_the_list_has_every_event_and_channel_on_or_off_default_or_changed(admin):
    db.session.add(
        MessageTemplate(event="order_confirmation", channel=Channel.SMS, enabled=True, body={"en": "Thanks!"})
    )
    db.session.commit()

    response = admin.get("/admin/messages")

    page = text(response)
    assert response.status_code == 200
    for spec in templating.EVENTS.values():
        for channel in spec.channels:
            assert f'data-event="{spec.key}" data-channel="{channel}"' in page
            assert f'href="/admin/messages/{spec.key}/{channel}"' in page
    row = page.split('data-event="order_confirmation" data-channel="sms"')[1].split("</tr>")[0]
    assert 'data-enabled="true"' in row and 'data-changed="true"' in row
    row = page.split('data-event="tracking_number" data-channel="sms"')[1].split("</tr>")[0]
    assert 'data-changed="false"' in row
    row = page.split('data-event="order_confirmation" data-channel="email"')[1].split("</tr>")[0]
    assert 'data-enabled="true"' in row and 'data-changed="false"' in row
    row = page.split('data-event="abandoned_cart" data-channel="email"')[1].split("</tr>")[0]
    assert 'data-enabled="true"' in row
    assert "edited on the status" in page  # status messages live on each status
    assert 'href="/admin/messages"' in page  # in the navigation


# --- the editor --------------------------------------------------------------------------------


def test_the_sms_editor_shows_the_current_texts_the_variables_and_the_counter(admin):
    response = admin.get(TRACKING_SMS)

    page = text(response)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert default_template("tracking_number", "sms", "tr")[1] in page  # prefilled with the default
    for code in ("en", "tr", "pl", "fa"):
        assert f'name="body_{code}"' in body and f'id="body_{code}-sms"' in body
        assert f'data-sms-counter="body_{code}-sms"' in body
    assert re.search(r'<textarea[^>]*dir="rtl"[^>]*name="body_fa"', body)
    assert 'name="subject_en"' not in body  # an SMS has no subject
    assert '<code dir="ltr">{{ order.tracking_number }}</code>' in page
    assert "Parcel tracking number" in page  # its description
    assert "css/sms-counter.css" in body and "js/sms-counter.js" in body
    assert 'data-encoding="GSM-7"' in body  # the English default counted by the server
    assert '"domestic": "0.15"' in page  # the seller's prices


def test_the_email_editor_has_a_subject_per_language(admin):
    response = admin.get(CONFIRMATION_EMAIL)

    body = text(response)
    for code in ("en", "tr", "pl", "fa"):
        assert f'name="subject_{code}"' in body
    assert default_template("order_confirmation", "email", "pl")[0] in body
    assert "sms-counter.js" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/admin/messages/nothing/email",
        "/admin/messages/order_confirmation/fax",
        "/admin/messages/abandoned_cart/sms",  # the cart reminder is an e-mail only
        "/admin/messages/order_confirmation/email/extra",
        "/admin/messages/%00/sms",
        "/admin/messages/" + "x" * 300 + "/sms",
    ],
)
def test_an_unknown_event_or_channel_is_a_404_page(admin, path):
    assert admin.get(path).status_code == 404
    assert admin.post(path, {"body_en": "x"}, token_from="/admin/messages").status_code in (404, 405)
    assert admin.post(path + "/preview", {"body_en": "x"}, token_from="/admin/messages").status_code == 404


def test_an_admin_saves_a_text_and_switches_the_sms_on(admin):
    form = form_as_shown(admin.get(TRACKING_SMS))
    form.update(
        enabled="y", body_en="{{ shop.name }}: {{ order.number }} shipped, no. {{ order.tracking_number }}"
    )

    response = admin.post(TRACKING_SMS, form)

    assert response.status_code == 303 and location_path(response) == TRACKING_SMS
    template = saved("tracking_number", "sms")
    assert template.body == {
        "en": "{{ shop.name }}: {{ order.number }} shipped, no. {{ order.tracking_number }}"
    }
    assert template.updated_by_id == admin.user.id
    page = text(admin.get(TRACKING_SMS))
    assert "saved." in page and "shipped, no. {{ order.tracking_number }}" in page


def test_switching_a_message_off_is_kept(admin):
    form = form_as_shown(admin.get(CONFIRMATION_EMAIL))
    form.pop("enabled", None)

    admin.post(CONFIRMATION_EMAIL, form)

    assert messages.enabled("order_confirmation", "email") is False
    assert (
        saved("order_confirmation", "email").subject == {} and saved("order_confirmation", "email").body == {}
    )


def test_a_text_equal_to_the_default_is_stored_empty(admin):
    form = form_as_shown(admin.get(CONFIRMATION_EMAIL))
    # The browser sends CR LF line breaks; the default text is still the default.
    form = {name: value.replace("\n", "\r\n") for name, value in form.items()}
    form["subject_tr"] = "Siparişiniz {{ order.number }} alındı"

    response = admin.post(CONFIRMATION_EMAIL, form)

    assert response.status_code == 303
    template = saved("order_confirmation", "email")
    assert template.subject == {"tr": "Siparişiniz {{ order.number }} alındı"}
    assert template.body == {}


def test_line_breaks_are_stored_as_the_customer_gets_them(admin):
    form = form_as_shown(admin.get(TRACKING_SMS))
    form["body_pl"] = "Zamówienie {{ order.number }}\r\nwysłane.\r\n"

    admin.post(TRACKING_SMS, form)

    assert saved("tracking_number", "sms").body == {"pl": "Zamówienie {{ order.number }}\nwysłane."}


def test_a_syntax_error_is_refused_with_its_line_and_nothing_is_saved(admin):
    form = form_as_shown(admin.get(TRACKING_SMS))
    form["body_tr"] = "Merhaba\nSipariş {{ order.number "

    response = admin.post(TRACKING_SMS, form)

    assert response.status_code == 422
    [error] = field_errors(response, "body_tr")
    assert error.startswith("Line 2:") and "not valid template syntax" in error
    assert "Nothing was saved" in text(response)
    assert "Sipariş {{ order.number " in text(response)  # what was typed stays in the field
    assert saved("tracking_number", "sms") is None


def test_an_unknown_variable_is_refused_with_its_line_and_name_and_nothing_is_saved(admin):
    form = form_as_shown(admin.get(CONFIRMATION_EMAIL))
    form["body_en"] = "Hello {{ customer.first_name }},\n\nyour order {{ order.numbr }} is here."
    form["subject_fa"] = "{{ order.secret }}"
    form["body_pl"] = "Dziękujemy!"  # fine on its own: still not saved

    response = admin.post(CONFIRMATION_EMAIL, form)

    assert response.status_code == 422
    assert field_errors(response, "body_en") == [
        "Line 3: Unknown variable order.numbr. Did you mean order.number?"
    ]
    assert field_errors(response, "subject_fa")[0].startswith("Line 1: Unknown variable order.secret")
    assert field_errors(response, "body_pl") == []
    assert saved("order_confirmation", "email") is None


def test_a_variable_of_another_event_is_unknown_here(admin):
    form = form_as_shown(admin.get(TRACKING_SMS))
    form["body_en"] = "Refunded {{ refund.amount }}"

    response = admin.post(TRACKING_SMS, form)

    assert response.status_code == 422
    assert "refund.amount" in field_errors(response, "body_en")[0]


@pytest.mark.parametrize(
    "over",
    [
        {"body_en": "x" * 20_001},
        {"body_en": "bad\x00"},
        {"subject_en": "x" * 1_001},
        {"preview_order": "x" * 21},
    ],
)
def test_odd_input_is_refused_without_saving(admin, over):
    form = form_as_shown(admin.get(CONFIRMATION_EMAIL))
    form.update(over)

    response = admin.post(CONFIRMATION_EMAIL, form)

    assert response.status_code == 422
    assert saved("order_confirmation", "email") is None


def test_an_sms_text_longer_than_an_sms_template_may_be_is_refused_next_to_it(admin):
    form = form_as_shown(admin.get(TRACKING_SMS))
    limit = templating.LIMITS[("sms", "body")].source
    form["body_en"] = "x" * (limit + 1)

    response = admin.post(TRACKING_SMS, form)

    assert response.status_code == 422
    assert field_errors(response, "body_en") == [f"The template is longer than {limit:,} characters."]
    assert saved("tracking_number", "sms") is None


def test_a_save_without_the_form_token_changes_nothing(admin):
    response = admin.post(TRACKING_SMS, {"body_en": "Hi {{ order.number }}"}, csrf=False)

    assert response.status_code in (400, 422)
    assert saved("tracking_number", "sms") is None


# --- preview -----------------------------------------------------------------------------------


def preview(admin, path: str, language: str, **fields):
    form = form_as_shown(admin.get(path))
    form.update(fields, preview_language=language)
    return admin.post(path + "/preview", form, htmx=True)


def test_the_preview_fills_the_text_in_with_the_newest_order_without_saving(admin):
    make_sales_order(name="Old Customer")
    newest = make_sales_order(name="Anna Kowalska", email="anna@example.pl")
    newest.tracking_number = "YK1234567890"
    db.session.commit()

    response = preview(
        admin,
        TRACKING_SMS,
        "pl",
        body_pl="Cześć {{ customer.first_name }}! {{ order.number }}: {{ order.tracking_number }}",
    )

    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert f"Cześć Anna! {newest.number}: YK1234567890" in body
    assert f"Filled in with order {newest.number}" in body
    assert "SMS segment" in body and "UCS-2" in body  # ś makes it Unicode
    assert saved("tracking_number", "sms") is None


def test_the_preview_uses_the_order_typed(admin):
    chosen = make_sales_order(name="Ayşe Yılmaz")
    make_sales_order(name="Someone Newer")
    db.session.commit()

    response = preview(admin, CONFIRMATION_EMAIL, "en", preview_order=chosen.number.lower())

    body = text(response)
    assert response.status_code == 200
    assert f"Your order {chosen.number}" in body  # the default subject, filled in
    assert "Hello Ayşe," in body
    iframe = re.search(r"<iframe[^>]*>", response.get_data(as_text=True)).group(0)
    assert re.search(r"\ssandbox[\s>]", iframe) and "srcdoc=" in iframe and "allow-scripts" not in iframe


def test_the_preview_of_a_shop_without_orders_uses_the_examples(admin):
    response = preview(admin, TRACKING_SMS, "en", body_en="{{ order.number }} via {{ order.carrier }}")

    body = text(response)
    assert response.status_code == 200
    assert "S000123 via Yurtiçi Kargo" in body
    assert "example values" in body


def test_the_preview_shows_the_error_with_its_line(admin):
    make_sales_order()
    db.session.commit()

    response = preview(admin, CONFIRMATION_EMAIL, "tr", body_tr="Merhaba\n{{ order.totl }}")

    body = text(response)
    assert response.status_code == 422
    assert "Line 2: Unknown variable order.totl. Did you mean order.total?" in body
    assert "Message (Türkçe)" in body  # which field
    assert saved("order_confirmation", "email") is None


def test_the_preview_of_an_unknown_order_says_so(admin):
    response = preview(admin, TRACKING_SMS, "en", preview_order="NOPE-1")

    assert response.status_code == 422
    assert "No order has the number NOPE-1." in text(response)


def test_without_javascript_the_preview_comes_in_the_whole_page(admin):
    order = make_sales_order()
    db.session.commit()
    form = form_as_shown(admin.get(TRACKING_SMS))
    form.update(preview_language="fa", body_fa="سفارش {{ order.number }}")

    response = admin.post(TRACKING_SMS + "/preview", form)

    body = text(response)
    assert response.status_code == 200 and "<html" in body
    assert f"سفارش {order.number}" in body
    assert saved("tracking_number", "sms") is None


def test_a_preview_of_an_odd_language_falls_back_to_english(admin):
    response = preview(admin, TRACKING_SMS, "xx")

    assert response.status_code == 200
    assert 'data-language="en"' in response.get_data(as_text=True)


# --- the statuses' own texts ------------------------------------------------------------------


def status_form(**over) -> dict:
    values = {
        "name_en": "Packed",
        "group": "in_progress",
        "colour": "#0ea5e9",
        "position": "3",
        "customer_visible": "y",
        "send_sms": "y",
        "sms_template_en": "Packed: {{ order.number }}",
    }
    values.update(over)
    return values


def test_the_status_form_refuses_a_bad_template_and_saves_nothing(admin):
    response = admin.post(
        "/admin/statuses/new",
        status_form(email_body_tr="Merhaba\n{{ order.numara }}", sms_template_en="{% for x in %}"),
        token_from="/admin/statuses/new",
    )

    assert response.status_code == 422
    assert field_errors(response, "email_body_tr")[0].startswith("Line 2: Unknown variable order.numara")
    assert "not valid template syntax" in field_errors(response, "sms_template_en")[0]
    assert db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%"))) is None


def test_a_status_that_needs_tracking_may_use_only_what_both_of_its_messages_have(admin):
    """Its texts are checked as a status change and as the tracking message."""
    shipped = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "shipped"))
    before = dict(shipped.email_body or {})
    form = status_form(name_en="Shipped", email_body_en="Going to {{ order.address }}", requires_tracking="y")

    response = admin.post(f"/admin/statuses/{shipped.id}", form, token_from="/admin/statuses/new")

    assert response.status_code == 422
    assert "order.address" in field_errors(response, "email_body_en")[0]
    db.session.expire_all()
    assert (db.session.get(OrderStatus, shipped.id).email_body or {}) == before


def test_the_status_form_shows_the_variables_and_an_sms_counter(admin):
    page = admin.get("/admin/statuses/new").get_data(as_text=True)

    assert '<code dir="ltr">{{ order.status }}</code>' in html.unescape(page)
    for code in ("en", "tr", "pl", "fa"):
        assert f'id="sms_template_{code}-sms"' in page
    assert "js/sms-counter.js" in page


def test_a_good_status_template_is_saved(admin):
    response = admin.post(
        "/admin/statuses/new",
        status_form(email_subject_en="Order {{ order.number }}: {{ order.status }}"),
        token_from="/admin/statuses/new",
    )

    assert response.status_code == 303
    added = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%")))
    assert added.email_subject == {"en": "Order {{ order.number }}: {{ order.status }}"}


def test_a_status_without_tracking_may_show_the_amount_due(admin):
    response = admin.post(
        "/admin/statuses/new",
        status_form(email_body_en="Still to pay: {{ order.amount_due }}"),
        token_from="/admin/statuses/new",
    )

    assert response.status_code == 303
    added = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%")))
    assert added.email_body == {"en": "Still to pay: {{ order.amount_due }}"}
