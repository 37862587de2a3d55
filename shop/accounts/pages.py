"""The password and session pages both doors share: forgotten password, the reset link, a change
of password and "log out everywhere". The storefront and the back office route to these with
their own frame and login page (``Area``); the rules are in accounts.services, .password_reset
and .sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import password_reset, sessions
from shop.accounts import services as accounts
from shop.accounts.forms import ForgotPasswordForm, NewPasswordForm, PasswordChangeForm
from shop.accounts.models import Role
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.web import end_session


@dataclass(frozen=True)
class Area:
    layout: str  # the page frame the templates extend
    login: str  # endpoints
    forgot: str
    account: str
    log_out_everywhere: str


STOREFRONT = Area(
    "base.html",
    "storefront.login",
    "storefront.forgot_password",
    "storefront.account",
    "storefront.log_out_everywhere",
)
BACK_OFFICE = Area(
    "backoffice/base.html",
    "backoffice.login",
    "backoffice.forgot_password",
    "backoffice.account",
    "backoffice.log_out_everywhere",
)


def _login_of(user) -> str:  # noqa: ANN001
    return STOREFRONT.login if user.role == Role.CUSTOMER else BACK_OFFICE.login


def forgot_password(area: Area):  # noqa: ANN201
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new password. "
                "The link works once, within %(minutes)s minutes.",
                minutes=password_reset.max_age_minutes(),
            ),
            "success",
        )
        return redirect(url_for(area.login), 303)
    return render_template("accounts/password_forgot.html", form=form, area=area), 422 if form.errors else 200


def reset_password(area: Area, token: str):  # noqa: ANN201
    """The page the e-mail's link opens: a new password, then the login of the person's door."""
    try:
        user = password_reset.user_for_token(token)
    except password_reset.ResetLinkInvalid as error:
        return render_template("accounts/password_reset.html", form=None, problem=str(error), area=area), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(token, form.password.data)
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            db.session.commit()
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for(_login_of(user)), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/password_reset.html", form=form, problem="", area=area), status


def change_password(area: Area, *, template: str = "accounts/password_change.html"):  # noqa: ANN201
    """A signed-in person's own password (the current one required); other sessions end."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.password.data,
                address=request.remote_addr or "",
            )
        except accounts.WrongCurrentPassword as error:
            db.session.commit()  # the failed attempt counts towards the account's lock
            form.show_error(error)
        except ShopError as error:
            db.session.rollback()
            form.show_error(error)
        else:
            db.session.commit()
            flash(_("Your password is changed. Every other device is logged out."), "success")
            return redirect(url_for(area.account), 303)
    status = 422 if form.errors else 200
    return render_template(
        template, form=form, area=area, open_sessions=sessions.open_sessions(current_user)
    ), status


def log_out_everywhere(area: Area):  # noqa: ANN201
    """Every session of the signed-in person ends, this one included."""
    if not ShopForm().validate_on_submit():
        abort(400)
    sessions.end_all_sessions(current_user._get_current_object())
    end_session()
    db.session.commit()
    flash(_("You are logged out on every device, this one included."), "success")
    return redirect(url_for(area.login), 303)
