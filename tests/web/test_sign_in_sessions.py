"""Sessions end on the server (issue 10, item 2): logout, idle and absolute lifetimes, "log out
everywhere"; a copy of the cookie taken before any of these opens nothing afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie

from shop.db_types import utcnow
from shop.extensions import db, limiter
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import PASSWORD, Shopper, location_path, make_customer


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def _staff_login(shopper, user) -> None:
    response = shopper.post(
        "/admin/login", {"email": user.email, "password": USER_PASSWORD}, token_from="/admin/login"
    )
    assert response.status_code == 303


def _customer(shopper) -> None:
    make_customer()
    assert shopper.login().status_code == 303


def _in_storefront(shopper) -> bool:
    return shopper.get("/account").status_code == 200


def _in_back_office(shopper) -> bool:
    return shopper.get("/admin/orders").status_code == 200


def _cookie_header(shopper) -> str:
    return f"session={shopper.client.get_cookie('session').value}"


def _replay(app, cookie: str, url: str):
    """The copied Cookie header, sent by another browser (a new client, no cookies of its own)."""
    return Shopper(app.test_client(use_cookies=False)).get(url, headers={"Cookie": cookie})


def _models():
    """Imported when used, so that the tests of behaviour run (and fail) on code without them."""
    from shop.accounts.models import SessionArea, SignInSession

    return SessionArea, SignInSession


def _the_session():
    (row,) = db.session.scalars(db.select(_models()[1])).all()
    return row


def _sessions() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(_models()[1]))


# --- logout ----------------------------------------------------------------------------------------


def test_a_storefront_cookie_copied_before_logout_gives_no_access_after_it(shopper, app):
    _customer(shopper)
    copied = _cookie_header(shopper)
    assert _replay(app, copied, "/account").status_code == 200  # the copy works while logged in

    shopper.post("/account/logout", token_from="/account")

    response = _replay(app, copied, "/account")
    assert response.status_code in (302, 303)
    assert location_path(response).startswith("/account/login")


def test_a_back_office_cookie_copied_before_logout_gives_no_access_after_it(shopper, app):
    _staff_login(shopper, make_user("staff"))
    copied = _cookie_header(shopper)
    assert _replay(app, copied, "/admin/orders").status_code == 200

    shopper.post("/admin/logout", {}, token_from="/admin/orders")

    response = _replay(app, copied, "/admin/orders")
    assert response.status_code == 303 and location_path(response).startswith("/admin/login")
    assert _sessions() == 0


def test_a_remember_me_cookie_does_not_bring_an_ended_session_back(shopper, app):
    _customer(shopper)
    session_id = shopper.session()["_user_id"]
    shopper.post("/account/logout", token_from="/account")

    with app.test_request_context():
        remember = encode_cookie(str(session_id))
    response = _replay(app, f"remember_token={remember}", "/account")

    assert response.status_code in (302, 303)


def test_the_guests_order_links_do_not_survive_logout(shopper, make_product):
    variant = make_product().variants[0]
    make_customer()
    shopper.add(variant, 1)
    assert shopper.checkout(email="guest@example.com").status_code == 303
    assert shopper.session().get("my_orders")
    shopper.login()
    assert shopper.session().get("my_orders")  # kept at login: they are this browser's orders

    shopper.post("/account/logout", token_from="/account")

    assert "my_orders" not in shopper.session()


def test_logout_keeps_the_language(shopper):
    _customer(shopper)
    shopper.get("/?lang=tr")

    shopper.post("/account/logout", token_from="/account")

    assert shopper.session().get("lang") == "tr"


# --- idle and absolute lifetimes -------------------------------------------------------------------


def test_a_back_office_session_ends_after_8_hours_idle(shopper):
    _staff_login(shopper, make_user("staff"))
    row = _the_session()
    assert row.area == _models()[0].BACK_OFFICE
    row.last_seen_at = utcnow() - timedelta(hours=8, minutes=1)

    response = shopper.get("/admin/orders")

    assert response.status_code == 303 and location_path(response).startswith("/admin/login")
    assert _sessions() == 0


def test_a_back_office_session_idle_for_less_lives_on_and_is_seen_again(shopper):
    _staff_login(shopper, make_user("staff"))
    row = _the_session()
    row.last_seen_at = utcnow() - timedelta(hours=7, minutes=50)

    assert _in_back_office(shopper)

    db.session.expire_all()
    assert utcnow() - _the_session().last_seen_at < timedelta(minutes=1)


def test_the_back_office_idle_limit_is_configurable(shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "BACK_OFFICE_SESSION_IDLE_HOURS", 1)
    _staff_login(shopper, make_user("staff"))
    _the_session().last_seen_at = utcnow() - timedelta(minutes=61)

    assert not _in_back_office(shopper)


def test_a_back_office_session_ends_7_days_after_login_even_when_in_use(shopper):
    _staff_login(shopper, make_user("staff"))
    row = _the_session()
    row.created_at = utcnow() - timedelta(days=7, minutes=1)
    row.last_seen_at = utcnow() - timedelta(minutes=1)

    assert not _in_back_office(shopper)


def test_a_storefront_session_lives_longer(shopper):
    _customer(shopper)
    row = _the_session()
    assert row.area == _models()[0].STOREFRONT
    row.last_seen_at = utcnow() - timedelta(days=2)

    assert _in_storefront(shopper)


def test_a_storefront_session_ends_after_30_days_idle_or_90_days(shopper, other_shopper):
    _customer(shopper)
    _the_session().last_seen_at = utcnow() - timedelta(days=30, minutes=1)
    assert not _in_storefront(shopper)

    assert other_shopper.login().status_code == 303
    row = _the_session()
    row.created_at = utcnow() - timedelta(days=90, minutes=1)
    assert not _in_storefront(other_shopper)


def test_reading_pages_does_not_write_last_seen_each_time(shopper):
    _customer(shopper)
    seen = utcnow() - timedelta(minutes=2)
    _the_session().last_seen_at = seen

    assert _in_storefront(shopper)

    db.session.expire_all()
    assert _the_session().last_seen_at == seen


def test_expired_sessions_are_purged_by_the_command(app):
    SessionArea, SignInSession = _models()
    old_staff, fresh_staff = make_user("staff"), make_user("staff")
    now = utcnow()
    for user, seen in ((old_staff, now - timedelta(hours=9)), (fresh_staff, now - timedelta(hours=1))):
        db.session.add(
            SignInSession(
                token_hash=f"{user.id:064d}",
                user_id=user.id,
                area=SessionArea.BACK_OFFICE,
                created_at=seen,
                last_seen_at=seen,
            )
        )
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["accounts", "purge-sessions"])

    assert result.exit_code == 0, result.output
    assert "purged 1 expired session(s)" in result.output
    db.session.expire_all()
    assert [row.user_id for row in db.session.scalars(db.select(SignInSession))] == [fresh_staff.id]


# --- log out everywhere --------------------------------------------------------------------------


def test_a_customer_logs_out_everywhere(shopper, other_shopper):
    _customer(shopper)
    assert other_shopper.login().status_code == 303

    response = shopper.post("/account/log-out-everywhere", token_from="/account/password")

    assert response.status_code == 303 and location_path(response) == "/account/login"
    assert not _in_storefront(shopper)
    assert not _in_storefront(other_shopper)


def test_a_back_office_user_logs_out_everywhere(shopper, other_shopper):
    user = make_user("staff")
    _staff_login(shopper, user)
    _staff_login(other_shopper, user)
    other = make_user("staff")
    third = Shopper(shopper.client.application.test_client())
    _staff_login(third, other)

    response = shopper.post("/admin/account/log-out-everywhere", {}, token_from="/admin/account")

    assert response.status_code == 303 and location_path(response) == "/admin/login"
    assert not _in_back_office(shopper)
    assert not _in_back_office(other_shopper)
    assert _in_back_office(third)  # another user's session is theirs


def test_log_out_everywhere_needs_the_csrf_token(shopper):
    _customer(shopper)

    response = shopper.post("/account/log-out-everywhere", csrf=False)

    assert response.status_code == 400
    assert _in_storefront(shopper)


def test_the_account_page_offers_the_password_and_devices(shopper):
    _customer(shopper)

    page = shopper.get("/account/password")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'action="/account/log-out-everywhere"' in body
    assert "You are logged in on 1 device." in body
    assert 'href="/account/password"' in shopper.get("/account").get_data(as_text=True)


def test_logging_in_twice_opens_two_sessions_of_the_same_person(shopper, other_shopper):
    make_customer()
    shopper.login()
    other_shopper.login(password=PASSWORD)

    assert _sessions() == 2
