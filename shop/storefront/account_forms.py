"""The account's forms: the profile and the saved addresses take the checkout's fields and rules
(CustomerDetailsForm), so an address saved here is one the checkout accepts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from shop.forms import ShopForm
from shop.storefront.forms import CustomerDetailsForm


class ProfileForm(CustomerDetailsForm):
    """Name, phone (optional here), company name and tax ID; the tax ID and the phone are checked
    for the country of the default address (``rules_country``, set by the view)."""

    address_line = city = postal_code = country = None
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        return self.details_valid(address_required=False) and valid


class AddressForm(CustomerDetailsForm):
    label = StringField(_l("Name of this address (optional)"), validators=[Optional(), Length(max=60)])
    company_name = tax_id = None

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        return self.details_valid(address_required=True) and valid


class DeleteAccountForm(ShopForm):
    current_password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )
