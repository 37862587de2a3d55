"""Security headers on every response: a Content-Security-Policy with a nonce per response,
no framing, no MIME sniffing, a referrer policy, and HSTS when the site is served over HTTPS.

A small after_request rather than flask-talisman: the policy is five fixed headers and a nonce,
and talisman would also redirect to HTTPS and set cookie flags that config.py already owns.

The policy the shop's pages keep (tests/browser/test_content_security_policy.py opens them):

- scripts only from the shop's own files (htmx, sms-counter.js, backoffice.js); an inline
  script needs ``nonce="{{ csp_nonce() }}"``. htmx runs with ``allowEval: false`` and
  ``includeIndicatorStyles: false`` (the meta htmx-config in base.html and backoffice/base.html),
  so it neither evaluates attributes nor injects a <style>.
- style sheets only from the shop's own files (or nonced); style *attributes* are allowed
  (``style-src-attr 'unsafe-inline'``): a status's colour is seller data set as a CSS variable
  on its pill (validated by labels.safe_colour), htmx fragments carry those pills (a nonced
  <style> in a fragment would not match the page's nonce), and the e-mail preview is e-mail
  HTML, which is styled by attributes only. A style attribute cannot run script.
- no frames of the shop in other sites (``frame-ancestors 'none'``, and X-Frame-Options for old
  browsers); forms may post anywhere (a card payment redirects to the provider's page, which
  Chrome checks against form-action).
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

HSTS_MAX_AGE = 63072000  # two years, as hstspreload.org asks


def csp_nonce() -> str:
    """This response's nonce, for an inline <script> or <style> (made on first use)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _add_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
