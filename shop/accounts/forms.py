"""The password forms both doors share (shape only; accounts.services checks the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from shop.accounts.strength import PASSWORD_MAX, PASSWORD_MIN
from shop.forms import ShopForm, email_field


def new_password_validators() -> list:
    return [
        DataRequired(_l("Choose a password.")),
        Length(
            PASSWORD_MIN,
            PASSWORD_MAX,
            _l("Choose a password of %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX),
        ),
    ]


class NewPasswordForm(ShopForm):
    """A new password, typed twice: the reset link's page."""

    password = PasswordField(_l("New password"), validators=new_password_validators())
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
    )


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )


class ForgotPasswordForm(ShopForm):
    email = email_field()
