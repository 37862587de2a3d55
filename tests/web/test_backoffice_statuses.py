"""The statuses pages (B4): staff read the list; admins add, edit, archive and delete."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.orders.models import OrderStatus, StatusGroup
from tests.factories import make_sales_order
from tests.web.conftest import field_errors, location_path, text
from tests.web.test_backoffice_access import logged_in


def status(code: str) -> OrderStatus:
    db.session.expire_all()
    return db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == code))


def status_form(**over) -> dict:
    values = {
        "name_en": "Packed",
        "name_tr": "Paketlendi",
        "name_pl": "",
        "name_fa": "بسته‌بندی شد",
        "group": "in_progress",
        "subgroup": "Warehouse",
        "colour": "#0EA5E9",
        "position": "3",
        "marketplace_status": "READY_FOR_SHIPMENT",
        "customer_visible": "y",
        "email_customer": "y",
        "email_customer_sources": ["storefront", "allegro"],
        "email_subject_en": "Your order {{ order.number }} is packed",
        "email_body_en": "Hello, it is packed.",
        "email_subject_tr": "Siparişiniz paketlendi",
        "send_sms": "y",
        "sms_template_en": "Packed!",
    }
    values.update(over)
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture
def admin(shopper):
    logged_in(shopper, "admin")
    return shopper


@pytest.fixture
def staff(shopper):
    logged_in(shopper, "staff")
    return shopper


def test_staff_see_every_status_with_its_colour_group_and_order_count(staff):
    make_sales_order()
    make_sales_order()

    response = staff.get("/admin/statuses")

    page = text(response)
    assert response.status_code == 200
    assert '<span class="status-pill" style="--status: #2563eb">New</span>' in page
    row = page.split('data-code="new"')[1].split("</tr>")[0]
    assert "First status" in row and ">2<" in row.replace(" ", "")
    assert "Needs tracking" in page and "Cancels order" in page
    assert "/admin/statuses/new" not in page  # no editing for staff


def test_names_and_groups_are_shown_in_the_readers_language(staff):
    response = staff.get("/admin/statuses?lang=tr")

    page = text(response)
    assert "Kargoya verildi" in page


def test_staff_cannot_open_the_edit_page(staff):
    response = staff.get(f"/admin/statuses/{status('new').id}")

    assert response.status_code == 403


def test_an_admin_adds_a_status_with_everything_it_sends(admin):
    response = admin.post("/admin/statuses/new", status_form(), token_from="/admin/statuses/new")

    assert response.status_code == 303 and location_path(response) == "/admin/statuses"
    added = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%")))
    assert added.name == {"en": "Packed", "tr": "Paketlendi", "fa": "بسته‌بندی شد"}
    assert (added.group, added.subgroup, added.colour, added.position) == (
        StatusGroup.IN_PROGRESS,
        "Warehouse",
        "#0ea5e9",
        3,
    )
    assert added.marketplace_status == "READY_FOR_SHIPMENT"
    assert (added.initial, added.requires_tracking, added.cancels_order, added.customer_visible) == (
        False,
        False,
        False,
        True,
    )
    assert added.email_customer and added.email_customer_sources == ["storefront", "allegro"]
    assert added.email_subject == {
        "en": "Your order {{ order.number }} is packed",
        "tr": "Siparişiniz paketlendi",
    }
    assert added.email_body == {"en": "Hello, it is packed."}
    assert added.send_sms and added.sms_template == {"en": "Packed!"}
    assert not added.email_admin
    assert "Status Packed added." in text(admin.get("/admin/statuses"))


def test_a_status_template_may_be_as_long_as_a_message_template(admin):
    # templating.LIMITS is the one rule: an SMS template of 1 500 characters (above the status
    # form's own former 1 000) is saved as the message editor would save it.
    long_sms = "Paket " * 250

    response = admin.post(
        "/admin/statuses/new", status_form(sms_template_en=long_sms), token_from="/admin/statuses/new"
    )

    assert response.status_code == 303
    added = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%")))
    assert added.sms_template["en"] == long_sms.strip()


def test_the_english_name_is_required(admin):
    response = admin.post("/admin/statuses/new", status_form(name_en=""), token_from="/admin/statuses/new")

    assert response.status_code == 422
    assert field_errors(response, "name_en") == ["Enter the name in English."]
    assert db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%"))) is None


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"colour": "#12345"}, "colour"),
        ({"colour": "#12345g"}, "colour"),
        ({"colour": '#000000" onclick="x'}, "colour"),
        ({"group": "lost"}, "group"),
        ({"position": "-1"}, "position"),
        ({"position": "abc"}, "position"),
        ({"marketplace_status": "x" * 61}, "marketplace_status"),
        # The same limits as the message editor's (templating.LIMITS): one rule for templates.
        ({"email_subject_tr": "x" * 1001}, "email_subject_tr"),
        ({"email_body_en": "x" * 20001}, "email_body_en"),
        ({"sms_template_fa": "x" * 2001}, "sms_template_fa"),
        ({"email_customer_sources": ["storefront", "ebay"]}, "email_customer_sources"),
        ({"email_customer_sources": None}, "email_customer_sources"),
        ({"requires_tracking": "y", "cancels_order": "y"}, "cancels_order"),
        ({"name_pl": "bad\x00name"}, "name_pl"),
    ],
)
def test_invalid_values_come_back_next_to_their_field(admin, over, field):
    response = admin.post("/admin/statuses/new", status_form(**over), token_from="/admin/statuses/new")

    assert response.status_code == 422
    assert field_errors(response, field)
    assert db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%"))) is None


def test_an_admin_edits_a_status(admin):
    shipped = status("shipped")

    response = admin.post(
        f"/admin/statuses/{shipped.id}",
        status_form(name_en="Sent", requires_tracking="y", email_customer=None, email_customer_sources=None),
        token_from=f"/admin/statuses/{shipped.id}",
    )

    assert response.status_code == 303
    shipped = status("shipped")
    assert shipped.name["en"] == "Sent" and shipped.requires_tracking
    assert not shipped.email_customer and shipped.email_customer_sources == []


def test_the_edit_page_shows_what_is_stored(admin):
    shipped = status("shipped")

    page = text(admin.get(f"/admin/statuses/{shipped.id}"))

    assert 'value="Kargoya verildi"' in page
    assert '<input checked id="requires_tracking" name="requires_tracking"' in page
    assert '<input checked id="email_customer_sources-0" name="email_customer_sources"' in page
    assert '<input id="email_customer_sources-2" name="email_customer_sources"' in page


def test_the_last_first_status_cannot_stop_being_one(admin):
    new = status("new")

    response = admin.post(
        f"/admin/statuses/{new.id}",
        status_form(name_en="New", group="new", email_customer=None, email_customer_sources=None),
        token_from=f"/admin/statuses/{new.id}",
    )

    assert response.status_code == 422
    assert "New orders need a first status" in field_errors(response, "initial")[0]
    assert status("new").initial


def test_an_unknown_status_is_a_404(admin):
    assert admin.get("/admin/statuses/99999").status_code == 404
    assert admin.get("/admin/statuses/abc").status_code == 404


# --- archive, restore, delete --------------------------------------------------------------------


def test_a_status_is_archived_and_restored(admin):
    returned = status("returned")

    archived = admin.post(f"/admin/statuses/{returned.id}/archive", {}, token_from="/admin/statuses")

    assert archived.status_code == 303
    assert status("returned").archived
    page = text(admin.get("/admin/statuses"))
    assert "Returned archived" in page
    assert page.index('data-code="returned"') > page.index('id="archived-statuses"')

    admin.post(f"/admin/statuses/{returned.id}/restore", {}, token_from="/admin/statuses")
    assert not status("returned").archived


def test_the_last_first_status_cannot_be_archived(admin):
    new = status("new")

    admin.post(f"/admin/statuses/{new.id}/archive", {}, token_from="/admin/statuses")

    page = text(admin.get("/admin/statuses"))
    assert "New orders need a first status" in page
    assert not status("new").archived


def test_an_unused_status_is_deleted(admin):
    returned = status("returned")

    response = admin.post(f"/admin/statuses/{returned.id}/delete", {}, token_from="/admin/statuses")

    assert response.status_code == 303
    assert status("returned") is None
    assert "Returned deleted." in text(admin.get("/admin/statuses"))


def test_a_status_in_use_is_not_deleted_and_archiving_is_offered(admin):
    make_sales_order()  # in "new"
    processing = status("processing")
    order = make_sales_order()
    order.status_id = processing.id
    db.session.commit()

    admin.post(f"/admin/statuses/{processing.id}/delete", {}, token_from="/admin/statuses")

    page = text(admin.get("/admin/statuses"))
    assert "Processing is used by orders, so it cannot be deleted; archive it instead." in page
    assert status("processing") is not None


def test_a_status_named_in_an_orders_history_is_not_deleted(admin):
    from shop.sales.models import Order

    order = make_sales_order()  # its timeline says it started in "new"
    processing = status("processing")
    processing.initial = True
    db.session.execute(db.update(Order).where(Order.id == order.id).values(status_id=processing.id))
    new = status("new")

    admin.post(f"/admin/statuses/{new.id}/delete", {}, token_from="/admin/statuses")

    assert "New is used by orders, so it cannot be deleted" in text(admin.get("/admin/statuses"))
    assert status("new") is not None


def test_a_post_without_the_token_changes_nothing(admin):
    returned = status("returned")

    response = admin.post(f"/admin/statuses/{returned.id}/archive", {}, csrf=False)

    assert response.status_code == 400
    assert not status("returned").archived


def test_the_edit_page_offers_archive_and_delete(admin):
    make_sales_order()

    page = text(admin.get(f"/admin/statuses/{status('new').id}"))

    assert "1 order has this status, so it cannot be deleted" in page
    assert f"/admin/statuses/{status('new').id}/archive" in page


# --- htmx: the buttons swap the lists in place ---------------------------------------------------


def test_archiving_under_htmx_answers_with_the_lists_only(admin):
    returned = status("returned")

    response = admin.post(
        f"/admin/statuses/{returned.id}/archive", {}, token_from="/admin/statuses", htmx=True
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and 'class="status-lists" data-swap' in body
    assert "Returned archived" in text(response)
    assert body.index('data-code="returned"') > body.index('id="archived-statuses"')


def test_a_refused_delete_under_htmx_comes_back_as_409_with_the_reason(admin):
    order = make_sales_order()
    order.status_id = status("processing").id
    processing_id = order.status_id

    response = admin.post(
        f"/admin/statuses/{processing_id}/delete", {}, token_from="/admin/statuses", htmx=True
    )

    assert response.status_code == 409
    assert "<html" not in response.get_data(as_text=True)
    assert "Processing is used by orders, so it cannot be deleted; archive it instead." in text(response)
