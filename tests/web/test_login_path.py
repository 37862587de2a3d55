"""One login path (issue 10, item 1): both login forms go through accounts.log_in, which applies
the per-account lock and gives one answer for every refusal; one per-address limit covers both
forms and the password-reset request."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from shop.accounts.models import LoginAttempt
from shop.extensions import db, limiter
from tests.factories import USER_PASSWORD, make_user
from tests.web.conftest import PASSWORD, field_errors, location_path, make_customer

REFUSED = "The e-mail address or the password is wrong."
DOORS = {"storefront": "/account/login", "back_office": "/admin/login"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


def _log_in(shopper, door: str, email: str, password: str):
    limiter.reset()  # these tests are about the per-account lock, not the per-address limit
    return shopper.post(DOORS[door], {"email": email, "password": password}, token_from=DOORS[door])


def _failures(email: str) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
    )


def _account(door: str):
    """A new account of the kind ``door`` lets in, with USER_PASSWORD."""
    return make_user("staff" if door == "back_office" else "customer")


def _signed_in_at_the_storefront(shopper) -> bool:
    return shopper.get("/account").status_code == 200


def _signed_in_at_the_back_office(shopper) -> bool:
    return shopper.get("/admin/orders").status_code == 200


# --- each door lets in its own accounts only -------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff", "courier"])
def test_a_back_office_account_is_refused_at_the_storefront_and_the_failure_counts(shopper, role):
    user = make_user(role)

    response = _log_in(shopper, "storefront", user.email, USER_PASSWORD)

    assert response.status_code == 422
    assert REFUSED in field_errors(response, "password")[0]
    assert not _signed_in_at_the_storefront(shopper)
    assert not _signed_in_at_the_back_office(shopper)
    assert _failures(user.email) == 1


def test_a_customer_is_refused_at_the_back_office_and_the_failure_counts(shopper):
    make_customer("buyer@example.com", PASSWORD)

    response = _log_in(shopper, "back_office", "buyer@example.com", PASSWORD)

    assert response.status_code == 422
    assert not _signed_in_at_the_storefront(shopper)
    assert _failures("buyer@example.com") == 1


def test_each_door_still_lets_in_its_own_accounts(shopper, other_shopper):
    staff = make_user("staff")
    make_customer()

    assert location_path(_log_in(shopper, "back_office", staff.email, USER_PASSWORD)) == "/admin/orders"
    assert location_path(_log_in(other_shopper, "storefront", "ayse@example.com", PASSWORD)) == "/account"
    assert _signed_in_at_the_back_office(shopper)
    assert _signed_in_at_the_storefront(other_shopper)


# --- one lock for both doors ---------------------------------------------------------------------


def test_a_lock_reached_at_the_storefront_door_holds_at_the_back_office(shopper, app):
    admin = make_user("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _log_in(shopper, "storefront", admin.email, "guessing-away").status_code == 422

    response = _log_in(shopper, "back_office", admin.email, USER_PASSWORD)

    assert response.status_code == 422
    assert not _signed_in_at_the_back_office(shopper)


def test_a_lock_reached_at_the_back_office_door_holds_at_the_storefront(shopper, app):
    make_customer("buyer@example.com", PASSWORD)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _log_in(shopper, "back_office", "buyer@example.com", "guessing-away").status_code == 422

    response = _log_in(shopper, "storefront", "buyer@example.com", PASSWORD)

    assert response.status_code == 422
    assert not _signed_in_at_the_storefront(shopper)


def test_a_customer_account_locks_after_failures_at_the_storefront(shopper, app):
    make_customer()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _log_in(shopper, "storefront", "ayse@example.com", "guessing-away")

    response = _log_in(shopper, "storefront", "ayse@example.com", PASSWORD)

    assert response.status_code == 422
    assert not _signed_in_at_the_storefront(shopper)


# --- one answer for every refusal ------------------------------------------------------------------


@pytest.mark.parametrize("door", ["storefront", "back_office"])
def test_unknown_email_wrong_password_and_locked_account_get_the_same_answer(shopper, app, door):
    user, locked = _account(door), _account(door)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _log_in(shopper, door, locked.email, "guessing-away")

    answers = [
        _log_in(shopper, door, "nobody@example.com", USER_PASSWORD),
        _log_in(shopper, door, user.email, "not-the-password"),
        _log_in(shopper, door, locked.email, USER_PASSWORD),  # the right password, but locked
    ]

    assert {response.status_code for response in answers} == {422}
    messages = {tuple(field_errors(response, "password")) for response in answers}
    assert len(messages) == 1
    assert REFUSED in next(iter(messages))[0]


@pytest.mark.parametrize("door", ["storefront", "back_office"])
def test_every_refusal_does_the_same_password_hashing_work(shopper, app, door, monkeypatch):
    """Timing: one argon2 verification whatever the reason for the refusal."""
    customer = make_customer("buyer@example.com", USER_PASSWORD)
    staff = make_user("staff")
    inactive, locked = _account(door), _account(door)
    inactive.active = False
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        db.session.add(LoginAttempt(email=locked.email))
    wrong_door = staff if door == "storefront" else customer
    own = customer if door == "storefront" else staff
    calls: list[int] = []
    original = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, *a: calls.append(1) or original(self, *a))

    cases = {
        "unknown e-mail": ("nobody@example.com", USER_PASSWORD),
        "wrong password": (own.email, "not-the-password"),
        "locked": (locked.email, USER_PASSWORD),
        "wrong door": (wrong_door.email, USER_PASSWORD),
        "inactive": (inactive.email, USER_PASSWORD),
    }
    for case, (email, password) in cases.items():
        calls.clear()
        response = _log_in(shopper, door, email, password)
        assert response.status_code == 422, case
        assert len(calls) == 1, case


# --- one limit per address -----------------------------------------------------------------------


def test_the_storefront_login_is_limited_per_address(shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_PER_ADDRESS", "3 per minute")
    token = shopper.csrf_token("/account/login")

    answers = [
        shopper.post(
            "/account/login", {"csrf_token": token, "email": f"nobody{i}@example.com", "password": "x"}
        ).status_code
        for i in range(4)
    ]

    assert answers == [422, 422, 422, 429]


def test_both_login_forms_and_the_reset_form_share_one_limit_per_address(shopper, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_PER_ADDRESS", "3 per minute")
    make_customer()
    token = shopper.csrf_token("/account/login")
    form = {"csrf_token": token, "email": "nobody@example.com", "password": "x"}

    first = shopper.post("/account/login", form).status_code
    second = shopper.post("/admin/login", form).status_code
    third = shopper.post("/account/password/forgot", {"csrf_token": token, "email": "x@example.com"})
    fourth = shopper.post("/account/login", {**form, "email": "ayse@example.com", "password": PASSWORD})

    assert (first, second, third.status_code, fourth.status_code) == (422, 422, 303, 429)
    assert not _signed_in_at_the_storefront(shopper)


def test_registering_counts_against_the_same_limit(shopper, app, monkeypatch):
    """Each registration hashes a password with argon2id: unlimited, it is a cheap way to load
    the server, and a way to test which addresses have accounts."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_PER_ADDRESS", "2 per minute")
    token = shopper.csrf_token("/account/register")
    form = {"csrf_token": token, "name": "Deniz", "password": "x", "confirm": "x"}

    answers = [
        shopper.post("/account/register", {**form, "email": f"new{i}@example.com"}).status_code
        for i in range(3)
    ]

    assert answers == [422, 422, 429]
