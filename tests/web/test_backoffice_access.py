"""Who may do what in the back office (B1): each rule proven by trying it."""

from __future__ import annotations

import pytest

from shop.accounts.models import LoginAttempt, SignInSession
from shop.extensions import db, limiter
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import csrf_token_in, location_path, make_customer, text

ADMIN_PAGES = [
    "/admin/settings",
    "/admin/settings/returns",
    "/admin/users",
    "/admin/users/new",
    "/admin/statuses/new",
]
STAFF_PAGES = ["/admin/orders", "/admin/statuses", "/admin/returns"]


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The per-address limiter keeps its counts in memory for the whole app: start each test at 0."""
    limiter.reset()
    yield
    limiter.reset()


def log_in(shopper, email: str, password: str = USER_PASSWORD):
    return shopper.post("/admin/login", {"email": email, "password": password}, token_from="/admin/login")


def logged_in(shopper, role: str, **over):
    """A browser logged in through the form as a new user of ``role``; returns the user."""
    user = make_user(role, **over)
    limiter.reset()
    response = log_in(shopper, user.email)
    assert response.status_code == 303, (response.status_code, text(response)[:300])
    return user


# --- logged out ----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ADMIN_PAGES + STAFF_PAGES)
def test_logged_out_visitors_are_sent_to_the_login(shopper, page):
    response = shopper.get(page)

    assert response.status_code == 303
    assert location_path(response).startswith("/admin/login")


def test_a_logged_out_post_changes_nothing_and_goes_to_the_login(shopper):
    token = shopper.csrf_token("/admin/login")

    response = shopper.post("/admin/settings", {"csrf_token": token, "shop_name": "Taken over"})

    assert response.status_code == 303 and location_path(response).startswith("/admin/login")
    assert "Taken over" not in text(shopper.get("/"))


# --- logging in ----------------------------------------------------------------------------------


def test_a_customer_is_refused_at_the_back_office_door_like_a_wrong_password(shopper):
    make_customer("buyer@example.com", USER_PASSWORD)
    staff = make_user("staff")

    as_customer = log_in(shopper, "buyer@example.com")
    wrong_password = log_in(shopper, staff.email, "not-the-password")

    assert as_customer.status_code == wrong_password.status_code == 422
    assert "The e-mail address or the password is wrong." in text(as_customer)
    assert "The e-mail address or the password is wrong." in text(wrong_password)
    assert shopper.get("/admin/orders").status_code == 303  # still logged out


def test_an_inactive_user_cannot_log_in(shopper):
    user = make_user("staff", active=False)

    response = log_in(shopper, user.email)

    assert response.status_code == 422
    assert "The e-mail address or the password is wrong." in text(response)
    assert shopper.get("/admin/orders").status_code == 303


def test_a_deactivated_user_is_logged_out_at_the_next_request(shopper):
    user = logged_in(shopper, "staff")
    assert shopper.get("/admin/statuses").status_code == 200

    user.active = False

    response = shopper.get("/admin/statuses")
    assert response.status_code == 303 and location_path(response).startswith("/admin/login")


def test_a_password_reset_ends_the_users_other_sessions(shopper):
    from shop.accounts.services import reset_password

    user = logged_in(shopper, "staff")
    admin = make_user("admin")
    assert shopper.get("/admin/statuses").status_code == 200

    reset_password(user, "a-new-password-2026", by=admin)

    response = shopper.get("/admin/statuses")
    assert response.status_code == 303 and location_path(response).startswith("/admin/login")
    limiter.reset()
    assert log_in(shopper, user.email, "a-new-password-2026").status_code == 303


def test_five_failures_lock_the_account_even_for_the_right_password(shopper, app):
    user = make_user("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        limiter.reset()
        assert log_in(shopper, user.email, "wrong-password!").status_code == 422

    limiter.reset()
    response = log_in(shopper, user.email)

    # Told like a wrong password, so a guesser cannot tell a locked account from a wrong guess.
    assert response.status_code == 422
    assert "The e-mail address or the password is wrong." in text(response)
    assert "After 5 failed attempts an account is locked for 15 minutes." in text(response)
    assert shopper.get("/admin/orders").status_code == 303


def test_the_lock_counts_only_the_last_15_minutes(shopper):
    from datetime import timedelta

    from shop.db_types import utcnow

    user = make_user("staff")
    for _ in range(5):
        db.session.add(LoginAttempt(email=user.email, at=utcnow() - timedelta(minutes=16)))

    response = log_in(shopper, user.email)

    assert response.status_code == 303


def test_a_successful_login_clears_the_failures(shopper):
    user = make_user("staff")
    for _ in range(4):
        log_in(shopper, user.email, "wrong-password!")

    assert log_in(shopper, user.email).status_code == 303

    assert db.session.scalar(db.select(db.func.count()).select_from(LoginAttempt)) == 0


def test_login_posts_are_limited_per_address(shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_PER_ADDRESS", "3 per minute")
    token = shopper.csrf_token("/admin/login")
    answers = [
        shopper.post(
            "/admin/login", {"csrf_token": token, "email": f"nobody{i}@example.com", "password": "x"}
        ).status_code
        for i in range(4)
    ]

    assert answers == [422, 422, 422, 429]


def test_the_per_address_limit_refuses_even_the_right_password(shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_PER_ADDRESS", "2 per minute")
    user = make_user("admin")
    token = shopper.csrf_token("/admin/login")
    for _ in range(2):
        shopper.post("/admin/login", {"csrf_token": token, "email": "x@example.com", "password": "x"})

    response = shopper.post(
        "/admin/login", {"csrf_token": token, "email": user.email, "password": USER_PASSWORD}
    )

    assert response.status_code == 429
    assert shopper.get("/admin/orders").status_code == 303


def test_logging_in_starts_a_new_session(shopper):
    user = make_user("staff")
    token_before = shopper.csrf_token("/admin/login")
    cookie_before = shopper.client.get_cookie("session").value
    session_before = shopper.session()

    response = shopper.post(
        "/admin/login", {"csrf_token": token_before, "email": user.email, "password": USER_PASSWORD}
    )

    session_after = shopper.session()
    assert response.status_code == 303
    assert shopper.client.get_cookie("session").value != cookie_before
    # The cookie names a session kept on the server, not the user.
    (opened,) = db.session.scalars(db.select(SignInSession)).all()
    assert opened.user_id == user.id
    assert session_after.get("_user_id") not in (None, str(user.id))
    assert "csrf_token" in session_before and "csrf_token" not in session_after
    # What the old session's pages carried no longer works.
    stale = shopper.post("/admin/logout", {"csrf_token": token_before})
    assert stale.status_code == 400
    assert shopper.get("/admin/statuses").status_code == 200


def test_the_session_cookie_is_http_only_and_same_site(shopper):
    user = make_user("staff")

    response = log_in(shopper, user.email)

    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- logging out ---------------------------------------------------------------------------------


def test_logout_needs_a_post(shopper):
    logged_in(shopper, "staff")

    response = shopper.get("/admin/logout")

    assert response.status_code == 405
    assert shopper.get("/admin/statuses").status_code == 200


def test_logout_needs_the_csrf_token(shopper):
    logged_in(shopper, "staff")

    response = shopper.post("/admin/logout", {}, csrf=False)

    assert response.status_code == 400
    assert shopper.get("/admin/statuses").status_code == 200


def test_logout_with_the_token_ends_the_session(shopper):
    logged_in(shopper, "staff")

    response = shopper.post("/admin/logout", {}, token_from="/admin/statuses")

    assert response.status_code == 303 and location_path(response) == "/admin/login"
    assert shopper.get("/admin/statuses").status_code == 303


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["/admin/settings", "/admin/users", "/admin/users/new", "/admin/statuses/new"]
)
def test_staff_cannot_open_admin_pages(shopper, page):
    logged_in(shopper, "staff")

    response = shopper.get(page)

    assert response.status_code == 403
    assert "Your account may not open this page." in text(response)
    assert "<html" in response.get_data(as_text=True)  # a page, not a crash


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/settings", {"shop_name": "Staff shop"}),
        ("/admin/users/new", {"email": "new@example.com", "password": "long-enough-1", "role": "admin"}),
        ("/admin/teams", {"name": "Staff team"}),
        ("/admin/statuses/new", {"name_en": "Staff status", "group": "new", "colour": "#000000"}),
    ],
)
def test_staff_cannot_post_to_admin_pages(shopper, url, data):
    from shop.accounts.models import SalesTeam, User
    from shop.orders.models import OrderStatus
    from shop.settings import services as settings

    logged_in(shopper, "staff")
    users_before = db.session.scalar(db.select(db.func.count()).select_from(User))

    response = shopper.post(url, data, token_from="/admin/statuses")

    assert response.status_code == 403
    db.session.expire_all()
    assert settings.current_fresh().shop_name != "Staff shop"
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == users_before
    assert db.session.scalar(db.select(SalesTeam).where(SalesTeam.name == "Staff team")) is None
    assert db.session.scalar(db.select(OrderStatus).where(OrderStatus.code.like("custom-%"))) is None


def test_staff_cannot_archive_or_delete_statuses(shopper):
    from shop.orders.models import OrderStatus

    logged_in(shopper, "staff")
    returned = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == "returned"))

    archive = shopper.post(f"/admin/statuses/{returned.id}/archive", {}, token_from="/admin/statuses")
    delete = shopper.post(f"/admin/statuses/{returned.id}/delete", {}, token_from="/admin/statuses")

    assert archive.status_code == delete.status_code == 403
    db.session.expire_all()
    assert db.session.get(OrderStatus, returned.id).archived is False


def test_staff_see_orders_and_statuses_but_no_admin_links(shopper):
    logged_in(shopper, "staff")

    orders = shopper.get("/admin/orders")
    statuses = shopper.get("/admin/statuses")

    assert orders.status_code == statuses.status_code == 200
    assert 'href="/admin/settings"' not in text(statuses)
    assert 'href="/admin/users"' not in text(statuses)
    assert "Add a status" not in text(statuses)


@pytest.mark.parametrize(
    "page",
    [
        "/admin/",
        "/admin/orders",
        "/admin/statuses",
        "/admin/statuses/new",
        "/admin/settings",
        "/admin/users",
        "/admin/users/new",
        "/admin/teams",
    ],
)
def test_a_courier_sees_nothing_of_the_back_office(shopper, page):
    logged_in(shopper, "courier")

    response = shopper.get(page)

    assert response.status_code == 403
    assert "Your account may not open this page." in text(response)


def test_a_courier_cannot_post_either(shopper):
    logged_in(shopper, "courier")
    token = csrf_token_in(shopper.get("/courier/tasks"))

    response = shopper.post("/admin/teams", {"csrf_token": token, "name": "Couriers"})

    assert response.status_code == 403


def test_a_courier_can_still_log_out(shopper):
    logged_in(shopper, "courier")

    response = shopper.post("/admin/logout", {}, token_from="/courier/tasks")

    assert response.status_code == 303


@pytest.mark.parametrize("page", ADMIN_PAGES + STAFF_PAGES + ["/admin/teams"])
def test_an_admin_opens_every_page(shopper, page):
    logged_in(shopper, "admin")

    response = shopper.get(page)

    assert response.status_code in (200, 303)
    if response.status_code == 303:
        assert location_path(response).startswith("/admin/users")
