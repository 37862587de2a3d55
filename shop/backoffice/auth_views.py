"""Back-office login and logout, the forgotten-password link, and one's own account page."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts import pages
from shop.accounts import services as accounts
from shop.accounts.models import Role
from shop.backoffice import bp
from shop.backoffice.access import BACK_OFFICE, roles_required
from shop.backoffice.forms import ActionForm, StaffLoginForm
from shop.extensions import db
from shop.web import end_session, login_rate_limit, safe_next, start_session


def _landing(user) -> str:  # noqa: ANN001
    """Couriers have no order list: their page says what they will find there."""
    if user.role == Role.COURIER:
        return url_for("courier.tasks")
    return safe_next(url_for("backoffice.orders"), within="/admin")


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limit
def login():
    if current_user.is_authenticated and current_user.role in (*BACK_OFFICE, Role.COURIER):
        return redirect(_landing(current_user), 303)
    form = StaffLoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.log_in(
                form.email.data,
                form.password.data,
                door=accounts.Door.BACK_OFFICE,
                address=request.remote_addr or "",
            )
        except accounts.BadCredentials as error:
            db.session.commit()  # the failed attempt counts towards the account's lock
            form.password.errors = [str(error)]
            status = error.http_status
        else:
            start_session(user)
            db.session.commit()
            return redirect(_landing(user), 303)
    elif form.errors:
        status = 422
    return render_template("backoffice/login.html", form=form), status


@bp.post("/logout")
def logout():
    if not ActionForm().validate_on_submit():
        abort(400)
    end_session()
    db.session.commit()
    return redirect(url_for("backoffice.login"), 303)


# --- one's own account: every back-office role, couriers included ---------------------------

_own_account = roles_required(*accounts.BACK_OFFICE_ROLES)


@bp.route("/account", methods=["GET", "POST"])
@_own_account
@login_rate_limit
def account():
    return pages.change_password(pages.BACK_OFFICE)


@bp.post("/account/log-out-everywhere")
@_own_account
def log_out_everywhere():
    return pages.log_out_everywhere(pages.BACK_OFFICE)


@bp.route("/password/forgot", methods=["GET", "POST"])
@login_rate_limit
def forgot_password():
    return pages.forgot_password(pages.BACK_OFFICE)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return pages.reset_password(pages.BACK_OFFICE, token)
