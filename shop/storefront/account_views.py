"""The customer's password and devices: change the password, log out everywhere, and the
forgotten-password link (the pages themselves are shared with the back office: accounts.pages)."""

from __future__ import annotations

from flask_login import login_required

from shop.accounts import pages
from shop.storefront.blueprint import bp
from shop.web import login_rate_limit


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@login_rate_limit
def change_password():
    return pages.change_password(pages.STOREFRONT)


@bp.post("/account/log-out-everywhere")
@login_required
def log_out_everywhere():
    return pages.log_out_everywhere(pages.STOREFRONT)


@bp.route("/account/password/forgot", methods=["GET", "POST"])
@login_rate_limit
def forgot_password():
    return pages.forgot_password(pages.STOREFRONT)


@bp.route("/account/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return pages.reset_password(pages.STOREFRONT, token)
