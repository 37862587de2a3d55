"""Security headers on every response (issue 10, item 4): pages of both parts of the shop, error
pages, JSON answers and payment notifications; HSTS only when the cookies are HTTPS-only."""

from __future__ import annotations

import re

import pytest

from shop.extensions import db
from tests.factories import make_product


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in directives}


def assert_protected(response) -> None:
    csp = policy(response)
    assert csp, f"no Content-Security-Policy on {response.request.path}"
    assert csp["default-src"] == "'self'"
    scripts = csp["script-src"].split()
    assert "'self'" in scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "'unsafe-inline'" not in csp["style-src"].split()  # only style attributes may be inline
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_storefront_page_has_the_headers(shopper):
    product = make_product(name="Çay bardağı")
    db.session.commit()

    for url in ("/", f"/p/{product.slug}", "/cart", "/account/login"):
        response = shopper.get(url)
        assert response.status_code == 200, url
        assert_protected(response)


def test_a_back_office_page_has_the_headers(shopper):
    response = shopper.get("/admin/login")

    assert response.status_code == 200
    assert_protected(response)


@pytest.mark.parametrize("url", ["/no-such-page", "/%5Cevil.example", "/admin/no-such-page"])
def test_an_error_page_has_the_headers(shopper, url):
    response = shopper.get(url)

    assert response.status_code == 404
    assert_protected(response)


def test_a_refused_form_has_the_headers(shopper):
    response = shopper.post("/account/login", {"email": "a@example.com", "password": "x"}, csrf=False)

    assert response.status_code == 400
    assert_protected(response)


def test_json_answers_and_payment_notifications_have_the_headers(shopper):
    health = shopper.get("/healthz")
    notification = shopper.post("/payments/test/notify", data=b"{}", csrf=False)
    unknown = shopper.post("/payments/nosuchprovider/notify", data=b"{}", csrf=False)

    assert health.status_code == 200 and health.is_json
    assert notification.status_code == 400 and notification.is_json
    assert unknown.status_code == 404 and unknown.is_json
    for response in (health, notification, unknown):
        assert_protected(response)


def test_static_files_have_the_headers(shopper):
    response = shopper.get("/static/js/sms-counter.js")

    assert response.status_code == 200
    assert_protected(response)
    response.close()


def test_each_response_has_its_own_nonce_and_no_inline_script_goes_without_it(shopper):
    first, second = shopper.get("/"), shopper.get("/")
    nonces = [re.search(r"'nonce-([^']+)'", policy(r)["script-src"]).group(1) for r in (first, second)]

    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    for response, nonce in zip((first, second), nonces, strict=True):
        for tag in re.findall(r"<script\b[^>]*>", response.get_data(as_text=True)):
            assert "src=" in tag or 'type="application/json"' in tag or f'nonce="{nonce}"' in tag, tag


def test_hsts_only_when_the_session_cookie_is_https_only(app, shopper, monkeypatch):
    assert "Strict-Transport-Security" not in shopper.get("/").headers

    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    on = shopper.get("/", base_url="https://localhost")

    max_age = re.fullmatch(r"max-age=(\d+); includeSubDomains", on.headers["Strict-Transport-Security"])
    assert max_age and int(max_age.group(1)) >= 365 * 24 * 3600
    assert "Strict-Transport-Security" in shopper.get("/no-such-page", base_url="https://localhost").headers
