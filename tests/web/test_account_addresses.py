"""The customer's profile and saved addresses (S4): validated as the checkout validates them,
each customer's own (another's id is 404), and the checkout starts with them."""

from __future__ import annotations

import re

import pytest

from shop.accounts import addresses
from shop.accounts.models import AccountChange, CustomerAddress, User
from shop.extensions import db
from tests.web.conftest import field_errors, make_customer, text
from tests.web.test_page_ids import duplicate_ids

ADDRESS = {
    "label": "Home",
    "name": "Ayşe Yılmaz",
    "phone": "0532 123 45 67",
    "address_line": "İstiklal Cd. 1",
    "city": "İstanbul",
    "postal_code": "34430",
    "country": "TR",
}


@pytest.fixture
def customer(shopper):
    user = make_customer()
    db.session.commit()
    shopper.login()
    return user


def saved(user: User) -> list[CustomerAddress]:
    db.session.expire_all()
    return addresses.addresses_of(user)


def add(shopper, **over: str):
    return shopper.post("/account/addresses/new", {**ADDRESS, **over}, token_from="/account/addresses/new")


def input_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert found, name
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def selected_option(page: str, name: str) -> str:
    select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(
        r'<option[^>]*\bselected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected', select
    )
    return (chosen.group(1) or chosen.group(2)) if chosen else ""


# --- the pages need a login ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/account/profile", "/account/addresses", "/account/addresses/new", "/account/delete"]
)
def test_the_account_pages_send_a_guest_to_the_login(shopper, url):
    response = shopper.get(url)

    assert response.status_code in (302, 303)
    assert "/account/login" in response.headers["Location"]


# --- profile -----------------------------------------------------------------------------------


def test_the_profile_keeps_name_phone_and_company_data_normalised(shopper, customer):
    response = shopper.post(
        "/account/profile",
        {"name": "Ayşe Kaya", "phone": "0532 123 45 67", "company_name": "Kaya Ltd", "tax_id": "1234567890"},
        token_from="/account/profile",
    )

    assert response.status_code == 303, field_errors(response, "tax_id")
    db.session.expire_all()
    user = db.session.get(User, customer.id)
    assert (user.name, user.phone, user.company_name, user.tax_id) == (
        "Ayşe Kaya",
        "+905321234567",
        "Kaya Ltd",
        "1234567890",
    )
    change = db.session.scalar(db.select(AccountChange).where(AccountChange.user_id == user.id))
    assert change.action == "profile_changed" and change.changes["name"] == ["Ayşe", "Ayşe Kaya"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"tax_id": "1234567891", "company_name": "Kaya Ltd"}, "tax_id", "not valid for the chosen country"),
        ({"tax_id": "", "company_name": "Kaya Ltd"}, "tax_id", "give both the company name and its tax ID"),
        ({"phone": "12"}, "phone", ""),
        ({"name": ""}, "name", "Enter your name."),
        ({"name": "x" * 121}, "name", ""),
    ],
)
def test_a_wrong_profile_is_refused_and_nothing_changes(shopper, customer, fields, field, message):
    form = {"name": "Ayşe", "phone": "", "company_name": "", "tax_id": "", **fields}

    response = shopper.post("/account/profile", form, token_from="/account/profile")

    assert response.status_code == 422
    errors = field_errors(response, field)
    assert errors and message in " ".join(errors)
    db.session.expire_all()
    user = db.session.get(User, customer.id)
    assert (user.name, user.company_name, user.tax_id) == ("Ayşe", "", "")


def test_the_tax_id_is_checked_for_the_default_address_country(shopper, customer):
    add(shopper, country="PL", phone="+48 601 234 567", postal_code="00-001", city="Warszawa")

    turkish = shopper.post(
        "/account/profile",
        {"name": "Ayşe", "company_name": "Kaya Ltd", "tax_id": "1234567890"},
        token_from="/account/profile",
    )
    polish = shopper.post(
        "/account/profile",
        {"name": "Ayşe", "company_name": "Kaya Sp. z o.o.", "tax_id": "PL 526-000-12-46"},
        token_from="/account/profile",
    )

    assert turkish.status_code == 422
    assert polish.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, customer.id).tax_id == "5260001246"


# --- saved addresses ---------------------------------------------------------------------------


def test_the_first_address_is_the_default_and_the_list_shows_it(shopper, customer):
    first = add(shopper)
    add(shopper, label="Office", address_line="Büyükdere Cd. 100", postal_code="34394")

    assert first.status_code == 303
    home, office = saved(customer)
    assert (home.label, home.is_default, home.phone) == ("Home", True, "+905321234567")
    assert (office.label, office.is_default) == ("Office", False)
    page = text(shopper.get("/account/addresses"))
    assert "Büyükdere Cd. 100" in page and page.count('data-testid="default-address"') == 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"address_line": ""}, "address_line"),
        ({"city": "  "}, "city"),
        ({"postal_code": ""}, "postal_code"),
        ({"country": "US"}, "country"),  # not among the shop's shipping countries
        ({"country": ""}, "country"),
        ({"phone": "abc"}, "phone"),
        ({"name": ""}, "name"),
        ({"label": "x" * 61}, "label"),
        ({"address_line": "a\x00b"}, "address_line"),
    ],
)
def test_an_address_the_checkout_would_refuse_is_not_saved(shopper, customer, over, field):
    response = add(shopper, **over)

    assert response.status_code == 422
    assert field_errors(response, field)
    assert saved(customer) == []


def test_at_most_twenty_addresses(shopper, customer):
    for number in range(addresses.MAX_ADDRESSES):
        db.session.add(
            CustomerAddress(
                user_id=customer.id,
                name="A",
                phone="+905321234567",
                address_line=f"Street {number}",
                city="İstanbul",
                postal_code="34430",
                country="TR",
                is_default=number == 0,
            )
        )
    db.session.commit()

    response = add(shopper)

    assert response.status_code == 422
    assert "at most 20 addresses" in text(response)
    assert len(saved(customer)) == addresses.MAX_ADDRESSES


def test_edit_make_default_and_delete(shopper, customer):
    add(shopper)
    add(shopper, label="Office", address_line="Büyükdere Cd. 100")
    home, office = saved(customer)

    edited = shopper.post(
        f"/account/addresses/{office.id}",
        {**ADDRESS, "label": "Work", "city": "Ankara"},
        token_from=f"/account/addresses/{office.id}",
    )
    made_default = shopper.post(
        f"/account/addresses/{office.id}/default", {}, token_from="/account/addresses"
    )

    assert (edited.status_code, made_default.status_code) == (303, 303)
    first, second = saved(customer)
    assert (first.id, first.label, first.city, first.is_default) == (office.id, "Work", "Ankara", True)
    assert (second.id, second.is_default) == (home.id, False)

    deleted = shopper.post(f"/account/addresses/{office.id}/delete", {}, token_from="/account/addresses")

    assert deleted.status_code == 303
    (left,) = saved(customer)
    assert (left.id, left.is_default) == (home.id, True)  # the one left becomes the default


def test_another_customers_address_is_not_found(shopper, customer, make_product):
    shopper.add(make_product().variants[0])
    other = make_customer("other@example.com", name="Other")
    theirs = CustomerAddress(
        user_id=other.id,
        name="Other",
        phone="+905321234567",
        address_line="Theirs 1",
        city="İzmir",
        postal_code="35000",
        country="TR",
        is_default=True,
    )
    db.session.add(theirs)
    db.session.commit()
    token = shopper.csrf_token("/account/addresses")

    responses = [
        shopper.get(f"/account/addresses/{theirs.id}"),
        shopper.post(f"/account/addresses/{theirs.id}", {**ADDRESS, "csrf_token": token}),
        shopper.post(f"/account/addresses/{theirs.id}/delete", {"csrf_token": token}),
        shopper.post(f"/account/addresses/{theirs.id}/default", {"csrf_token": token}),
        shopper.get(f"/checkout?address={theirs.id}"),
        shopper.get("/account/addresses/99999999999999999999"),
        shopper.get("/account/addresses/abc"),
    ]

    assert [r.status_code for r in responses[:5]] == [404] * 5
    assert responses[5].status_code == responses[6].status_code == 404
    db.session.expire_all()
    kept = db.session.get(CustomerAddress, theirs.id)
    assert (kept.address_line, kept.is_default) == ("Theirs 1", True)


def test_an_address_change_without_the_form_token_changes_nothing(shopper, customer):
    add(shopper)
    (home,) = saved(customer)

    response = shopper.post(f"/account/addresses/{home.id}/delete", {}, csrf=False)

    assert response.status_code == 400
    assert len(saved(customer)) == 1


# --- the checkout starts with them ---------------------------------------------------------------


def test_the_checkout_starts_with_the_default_address_and_the_account_details(
    shopper, customer, make_product
):
    shopper.post(
        "/account/profile",
        {"name": "Ayşe", "phone": "", "company_name": "Kaya Ltd", "tax_id": "1234567890"},
        token_from="/account/profile",
    )
    add(shopper, label="Office", address_line="Büyükdere Cd. 100", postal_code="34394", name="Ayşe Kaya")
    shopper.add(make_product().variants[0])

    page = text(shopper.get("/checkout"))

    assert input_value(page, "address_line") == "Büyükdere Cd. 100"
    assert input_value(page, "postal_code") == "34394"
    assert input_value(page, "name") == "Ayşe Kaya"
    assert input_value(page, "phone") == "+905321234567"
    assert input_value(page, "email") == "ayse@example.com"
    assert input_value(page, "company_name") == "Kaya Ltd"
    assert input_value(page, "tax_id") == "1234567890"
    assert 'data-testid="saved-address"' not in page  # one address: nothing to choose


def test_the_saved_address_select_switches_the_form(shopper, customer, make_product):
    add(shopper)
    add(shopper, label="Summer house", address_line="Sahil Yolu 7", city="Bodrum", postal_code="48400")
    home, summer = saved(customer)
    shopper.add(make_product().variants[0])

    page = text(shopper.get("/checkout"))
    switched = shopper.get(f"/checkout?address={summer.id}", htmx=True)

    assert selected_option(page, "address") == str(home.id)
    assert input_value(page, "address_line") == "İstiklal Cd. 1"
    assert switched.status_code == 200
    fragment = text(switched)
    assert fragment.lstrip().startswith("<form") and "<html" not in fragment  # the form alone, for htmx
    assert input_value(fragment, "address_line") == "Sahil Yolu 7"
    assert input_value(fragment, "city") == "Bodrum"
    # Without script, the button reloads the page with the chosen address.
    full = text(shopper.get(f"/checkout?address={summer.id}"))
    assert selected_option(full, "address") == str(summer.id)
    assert input_value(full, "postal_code") == "48400"


def test_a_guest_checkout_starts_empty(shopper, make_product):
    make_customer()
    db.session.commit()
    shopper.add(make_product().variants[0])

    page = text(shopper.get("/checkout"))

    assert input_value(page, "address_line") == "" and input_value(page, "name") == ""
    assert 'data-testid="saved-address"' not in page


def test_the_account_pages_repeat_no_id(shopper, customer, make_product):
    add(shopper)
    add(shopper, label="Office")
    (home, _office) = saved(customer)
    shopper.add(make_product().variants[0])

    for url in (
        "/account",
        "/account/profile",
        "/account/addresses",
        "/account/addresses/new",
        f"/account/addresses/{home.id}",
        "/account/delete",
        "/checkout",
    ):
        response = shopper.get(url)
        assert response.status_code == 200, url
        assert duplicate_ids(text(response)) == [], url
