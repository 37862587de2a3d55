"""Where iyzico's checkout form sends the shopper back: a cross-site form POST with a token.

No CSRF token (iyzico's page posts it) and no session: the browser does not send our SameSite=Lax
cookie on a cross-site POST, so this view neither reads nor writes the session (a new cookie
would log the shopper out). It settles the payment and sends the browser, with a GET that
carries the cookie again, to the order's page, which says how the payment went.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from shop.extensions import csrf
from shop.payments import iyzico

bp = Blueprint("iyzico", __name__, url_prefix="/iyzico")


@bp.post("/callback")
@csrf.exempt
def callback():
    transaction = iyzico.confirm_checkout_form(str(request.form.get("token", ""))[:200])
    if transaction is None:  # told on a GET, which carries the cookie: a page here would set a new one
        return redirect(url_for("iyzico.unknown_payment"), 303)
    return redirect(url_for("storefront.payment_return", token=transaction.order.tracking_token), 303)


@bp.get("/unknown-payment")
def unknown_payment():
    message = _(
        "We could not find this payment. Open your order from its confirmation e-mail to see "
        "whether it is paid, or contact the shop."
    )
    return render_template("error.html", status=404, message=message), 404
