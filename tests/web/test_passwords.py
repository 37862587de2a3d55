"""Passwords (issue 10, item 3): people change their own (the current one required) and reset a
forgotten one by an e-mail link (signed, single use, one hour, through the outbox, the same
answer for any address); a change or reset ends the other sessions; guessable passwords are
refused wherever a password is chosen."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner

from shop.accounts.models import LoginAttempt, User
from shop.extensions import db, limiter
from shop.notifications.models import Channel, OutboxMessage
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import PASSWORD, csrf_token_in, field_errors, location_path, make_customer, text

NEW_PASSWORD = "violet lantern orbit"
GUESSABLE = "password123456"
GUESSABLE_MESSAGE = "This password is too easy to guess"


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def _in_storefront(shopper) -> bool:
    return shopper.get("/account").status_code == 200


def _in_back_office(shopper) -> bool:
    return shopper.get("/admin/orders").status_code == 200


def _staff_login(shopper, email: str, password: str = USER_PASSWORD):
    limiter.reset()
    return shopper.post("/admin/login", {"email": email, "password": password}, token_from="/admin/login")


def _change(shopper, current: str, new: str = NEW_PASSWORD, *, url: str = "/account/password", confirm=None):
    return shopper.post(
        url,
        {"current_password": current, "password": new, "confirm": new if confirm is None else confirm},
        token_from=url,
    )


def _mails() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.event == "password_reset")))


def _ask_for_a_link(shopper, email: str, *, url: str = "/account/password/forgot", **kwargs):
    limiter.reset()
    return shopper.post(url, {"email": email}, token_from=url, **kwargs)


def _link_path(message: OutboxMessage) -> str:
    found = re.search(r"https?://\S+/password/reset/\S+", message.body_text)
    assert found, message.body_text
    assert found.group(0) in message.body_html
    return re.sub(r"^https?://[^/]+", "", found.group(0))


def _hash_of(email: str) -> str:
    db.session.expire_all()
    return db.session.scalar(db.select(User.password_hash).where(User.email == email))


# --- changing one's own password -------------------------------------------------------------------


def test_a_customer_changes_the_password_with_the_current_one(shopper, other_shopper):
    make_customer()
    shopper.login()

    response = _change(shopper, PASSWORD)

    assert response.status_code == 303 and location_path(response) == "/account"
    shopper.post("/account/logout", token_from="/account")
    assert shopper.login().status_code == 422  # the old password no longer opens the account
    assert shopper.login(password=NEW_PASSWORD).status_code == 303


def test_changing_the_password_needs_the_current_one_and_the_failure_counts(shopper):
    make_customer()
    shopper.login()
    before = _hash_of("ayse@example.com")

    response = _change(shopper, "not my password")

    assert response.status_code == 422
    assert "This is not your current password." in field_errors(response, "current_password")[0]
    assert _hash_of("ayse@example.com") == before
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 1
    assert _in_storefront(shopper)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(shopper, other_shopper):
    make_customer()
    shopper.login()
    other_shopper.login()
    assert _in_storefront(other_shopper)

    _change(shopper, PASSWORD)

    assert _in_storefront(shopper)
    assert not _in_storefront(other_shopper)


def test_staff_change_their_password_in_the_back_office_and_other_sessions_end(shopper, other_shopper):
    staff = make_user("staff")
    _staff_login(shopper, staff.email)
    _staff_login(other_shopper, staff.email)

    response = _change(shopper, USER_PASSWORD, url="/admin/account")

    assert response.status_code == 303 and location_path(response) == "/admin/account"
    assert _in_back_office(shopper)
    assert not _in_back_office(other_shopper)
    assert _staff_login(other_shopper, staff.email, NEW_PASSWORD).status_code == 303


def test_a_courier_can_open_their_account_page(shopper):
    courier = make_user("courier")
    _staff_login(shopper, courier.email)

    assert shopper.get("/admin/account").status_code == 200


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("short", None, "password", "Choose a password of 10 to 128 characters."),
        (GUESSABLE, None, "password", GUESSABLE_MESSAGE),
        (NEW_PASSWORD, "something else", "confirm", "The two passwords are not the same."),
    ],
)
def test_a_bad_new_password_is_refused_and_changes_nothing(shopper, new, confirm, field, message):
    make_customer()
    shopper.login()
    before = _hash_of("ayse@example.com")

    response = _change(shopper, PASSWORD, new, confirm=confirm)

    assert response.status_code == 422
    assert message in " ".join(field_errors(response, field))
    assert _hash_of("ayse@example.com") == before


# --- a forgotten password ------------------------------------------------------------------------


def test_a_reset_link_goes_through_the_outbox_in_the_persons_language(shopper):
    make_customer().locale = "tr"

    response = _ask_for_a_link(shopper, "AYSE@example.com")

    assert response.status_code == 303 and location_path(response) == "/account/login"
    (mail,) = _mails()
    assert mail.channel == Channel.EMAIL
    assert mail.recipient == "ayse@example.com"
    assert mail.language == "tr"
    assert _link_path(mail).startswith("/account/password/reset/")


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(shopper, other_shopper):
    make_customer()

    known = _ask_for_a_link(shopper, "ayse@example.com")
    unknown = _ask_for_a_link(other_shopper, "nobody@example.com")

    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(_mails()) == 1


def test_the_confirmation_says_the_same_thing_for_any_address(shopper, other_shopper):
    make_customer()

    _ask_for_a_link(shopper, "ayse@example.com")
    _ask_for_a_link(other_shopper, "nobody@example.com")

    said = [
        re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', who.get("/account/login").get_data(as_text=True))
        for who in (shopper, other_shopper)
    ]
    assert said[0] == said[1] and said[0]


def test_the_reset_link_sets_a_new_password_once_and_ends_every_session(shopper, other_shopper):
    make_customer()
    other_shopper.login()
    _ask_for_a_link(shopper, "ayse@example.com")
    link = _link_path(_mails()[0])

    assert shopper.get(link).status_code == 200
    response = shopper.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=link)

    assert response.status_code == 303 and location_path(response) == "/account/login"
    assert not _in_storefront(other_shopper)
    assert shopper.login(password=NEW_PASSWORD).status_code == 303
    again = shopper.get(link)
    assert again.status_code == 400
    assert "has expired or was used already" in text(again)
    before = _hash_of("ayse@example.com")
    replay = shopper.post(link, {"password": "another fine sentence", "confirm": "another fine sentence"})
    assert replay.status_code == 400
    assert _hash_of("ayse@example.com") == before


def test_the_reset_link_expires_after_an_hour(shopper, monkeypatch):
    make_customer()
    an_hour_ago = int(time.time()) - 3601
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: an_hour_ago)
        _ask_for_a_link(shopper, "ayse@example.com")
    link = _link_path(_mails()[0])
    before = _hash_of("ayse@example.com")

    assert shopper.get(link).status_code == 400
    response = shopper.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from="/")
    assert response.status_code == 400
    assert _hash_of("ayse@example.com") == before


def test_a_reset_link_works_within_the_hour(shopper, monkeypatch):
    make_customer()
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3500)
        _ask_for_a_link(shopper, "ayse@example.com")

    assert shopper.get(_link_path(_mails()[0])).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "Zm9v.ş.x", "W10.aaaa.bbbb"])
def test_a_forged_or_broken_link_is_refused_with_a_message(shopper, token):
    response = shopper.get(f"/account/password/reset/{token}")

    assert response.status_code == 400
    assert "has expired or was used already" in text(response)


def test_the_link_is_built_on_shop_url_not_on_the_requests_host(shopper, app):
    make_customer()

    forged = {"Host": "evil.example"}
    page = shopper.get("/account/password/forgot", headers=forged)
    response = shopper.post(
        "/account/password/forgot",
        {"email": "ayse@example.com", "csrf_token": csrf_token_in(page)},
        headers=forged,
    )

    assert response.status_code == 303

    (mail,) = _mails()
    assert "evil.example" not in mail.body_text + mail.body_html
    assert f"{app.config['SHOP_URL']}/account/password/reset/" in mail.body_text


def test_an_inactive_account_gets_no_link(shopper):
    make_customer().active = False

    assert _ask_for_a_link(shopper, "ayse@example.com").status_code == 303
    assert _mails() == []


def test_at_most_three_links_an_hour_go_to_one_address(shopper):
    make_customer()

    for _ in range(4):
        assert _ask_for_a_link(shopper, "ayse@example.com").status_code == 303

    assert len(_mails()) == 3


def test_a_back_office_user_resets_through_the_back_office(shopper, other_shopper):
    staff = make_user("staff")
    _staff_login(other_shopper, staff.email)
    assert 'href="/admin/password/forgot"' in shopper.get("/admin/login").get_data(as_text=True)

    _ask_for_a_link(shopper, staff.email, url="/admin/password/forgot")
    link = _link_path(_mails()[0])
    response = shopper.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=link)

    assert link.startswith("/admin/password/reset/")
    assert response.status_code == 303 and location_path(response) == "/admin/login"
    assert not _in_back_office(other_shopper)
    assert _staff_login(shopper, staff.email, NEW_PASSWORD).status_code == 303


def test_a_guessable_password_is_refused_on_the_reset_page(shopper):
    make_customer()
    _ask_for_a_link(shopper, "ayse@example.com")
    link = _link_path(_mails()[0])

    response = shopper.post(link, {"password": GUESSABLE, "confirm": GUESSABLE}, token_from=link)

    assert response.status_code == 422
    assert GUESSABLE_MESSAGE in " ".join(field_errors(response, "password"))
    assert shopper.get(link).status_code == 200  # the link still works for a better password


# --- guessable passwords, wherever one is chosen ------------------------------------------------


@pytest.mark.parametrize(
    "password", [GUESSABLE, "qwertyuiop12", "1234567890", "iloveyou2026", "ayse@example.com1"]
)
def test_registering_with_a_common_or_personal_password_is_refused(shopper, password):
    response = shopper.post(
        "/account/register",
        {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "password": password, "confirm": password},
        token_from="/account/register",
    )

    assert response.status_code == 422
    assert GUESSABLE_MESSAGE in " ".join(field_errors(response, "password"))
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_an_admin_cannot_give_a_guessable_password(shopper):
    admin = make_user("admin")
    staff = make_user("staff")
    _staff_login(shopper, admin.email)
    before = _hash_of(staff.email)
    url = f"/admin/users/{staff.id}"

    reset = shopper.post(f"{url}/password", {"password": GUESSABLE}, token_from=url)
    created = shopper.post(
        "/admin/users/new",
        {"email": "new@example.com", "name": "New", "password": "letmein12345", "role": "staff"},
        token_from="/admin/users/new",
    )

    assert reset.status_code == created.status_code == 422
    assert GUESSABLE_MESSAGE in text(reset) and GUESSABLE_MESSAGE in text(created)
    assert _hash_of(staff.email) == before
    assert db.session.scalar(db.select(User.id).where(User.email == "new@example.com")) is None


def test_the_admins_reset_of_a_password_ends_all_that_users_sessions(shopper, other_shopper):
    admin, staff = make_user("admin"), make_user("staff")
    _staff_login(shopper, admin.email)
    _staff_login(other_shopper, staff.email)
    url = f"/admin/users/{staff.id}"

    response = shopper.post(f"{url}/password", {"password": NEW_PASSWORD}, token_from=url)

    assert response.status_code == 303
    assert not _in_back_office(other_shopper)
    assert _in_back_office(shopper)
