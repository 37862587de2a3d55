"""Back-office login and logout."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts import services as accounts
from shop.accounts.models import Role
from shop.backoffice import bp
from shop.backoffice.access import BACK_OFFICE
from shop.backoffice.forms import ActionForm, StaffLoginForm
from shop.errors import ShopError
from shop.extensions import db, limiter
from shop.web import end_session, safe_next, start_session


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_PER_ADDRESS"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login():
    if current_user.is_authenticated and current_user.role in BACK_OFFICE:
        return redirect(url_for("backoffice.orders"), 303)
    form = StaffLoginForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        try:
            user = accounts.authenticate_staff(
                form.email.data,
                form.password.data,
                max_failures=config["LOGIN_MAX_FAILURES"],
                window_minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"],
            )
        except ShopError as error:
            db.session.rollback()
            if isinstance(error, accounts.BadCredentials):
                accounts.record_failed_login(form.email.data, request.remote_addr or "")
                db.session.commit()
            form.password.errors = [str(error)]
            status = error.http_status
        else:
            start_session(user)
            db.session.commit()
            if user.role == Role.COURIER:
                return redirect(url_for("storefront.home"), 303)
            return redirect(safe_next(url_for("backoffice.orders"), within="/admin"), 303)
    elif form.errors:
        status = 422
    return render_template("backoffice/login.html", form=form), status


@bp.post("/logout")
def logout():
    if not ActionForm().validate_on_submit():
        abort(400)
    end_session()
    return redirect(url_for("backoffice.login"), 303)
