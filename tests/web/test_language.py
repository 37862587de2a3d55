import re

import pytest

from shop.extensions import db
from tests.web.conftest import PASSWORD, make_customer


def _html_tag(response) -> str:
    found = re.search(r"<html[^>]*>", response.get_data(as_text=True))
    assert found, "no <html> tag"
    return found.group(0)


def test_lang_fa_gives_a_persian_right_to_left_page(shopper):
    response = shopper.get("/?lang=fa")

    assert response.status_code == 200
    assert _html_tag(response) == '<html lang="fa" dir="rtl">'


def test_the_chosen_language_is_remembered_on_the_next_request(shopper):
    shopper.get("/?lang=fa")

    response = shopper.get("/cart")

    assert _html_tag(response) == '<html lang="fa" dir="rtl">'


def test_without_a_choice_the_page_is_english_left_to_right(shopper):
    response = shopper.get("/")

    assert _html_tag(response) == '<html lang="en" dir="ltr">'


@pytest.mark.parametrize("asked", ["xx", "", "FA", "fa-IR", "../etc"])
def test_an_unknown_lang_is_ignored(shopper, asked):
    response = shopper.get("/", query_string={"lang": asked})

    assert response.status_code == 200
    assert _html_tag(response) == '<html lang="en" dir="ltr">'
    assert "lang" not in shopper.session()


def test_an_unknown_lang_keeps_the_language_chosen_before(shopper):
    shopper.get("/?lang=fa")

    response = shopper.get("/?lang=xx")

    assert _html_tag(response) == '<html lang="fa" dir="rtl">'


def test_the_browsers_language_is_used_when_none_was_chosen(shopper):
    response = shopper.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})

    assert _html_tag(response) == '<html lang="tr" dir="ltr">'


def test_the_language_survives_logging_in_and_out(shopper):
    make_customer()
    shopper.get("/?lang=pl")

    shopper.login(password=PASSWORD)
    logged_in = shopper.get("/account")
    shopper.post("/account/logout", token_from="/account")
    logged_out = shopper.get("/")

    assert _html_tag(logged_in) == '<html lang="pl" dir="ltr">'
    assert _html_tag(logged_out) == '<html lang="pl" dir="ltr">'


def test_the_persian_page_is_translated(shopper, make_product):
    make_product()

    english = shopper.get("/?lang=en")
    persian = shopper.get("/?lang=fa")

    assert "All products" in english.get_data(as_text=True)
    assert "All products" not in persian.get_data(as_text=True)


def test_only_the_languages_the_seller_enabled_are_offered_and_chosen(shopper):
    from shop.settings import services as settings

    settings.update(enabled_languages=["en", "tr"], default_language="tr")
    db.session.commit()

    page = shopper.get("/?lang=fa").get_data(as_text=True)

    assert 'lang="tr"' in page.split(">", 2)[1]  # the shop's default, not the disabled Persian
    assert "فارسی" not in page and "Türkçe" in page
