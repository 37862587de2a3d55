"""The test provider's hosted page. It stands for a remote service: it keeps no data of the
shop's and reaches the shop only through the signed notification it posts to the notify URL."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _

from shop.payments.providers import get_provider

bp = Blueprint("testpay", __name__, url_prefix="/testpay")


@bp.get("/pay/<token>")
def page(token: str):
    provider = get_provider("test")
    return render_template("testpay/page.html", page=provider.read_page(token), token=token)


@bp.post("/pay/<token>")
def decide(token: str):
    provider = get_provider("test")
    page = provider.read_page(token)
    approved = request.form.get("decision") == "approve"
    body, headers = provider.notification_for(page, approved=approved, event_id=uuid.uuid4().hex)
    # A real provider posts over the network; this one posts through the app's own HTTP stack,
    # so the shop's notify endpoint is exercised exactly as a provider would call it.
    target = urlsplit(page["notify_url"])
    response = current_app.test_client().post(target.path, data=body, headers=headers)
    if response.status_code != 200:
        flash(_("The payment provider could not reach the shop. Please try again."), "error")
        return redirect(request.url, 303)
    return redirect(page["return_url"], 303)
