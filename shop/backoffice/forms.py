"""Back-office forms: shape checks only; services check the business rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from shop.forms import ShopForm


class StaffLoginForm(ShopForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)])


class ActionForm(ShopForm):
    """A button that changes something: nothing but the CSRF token."""
