"""Storefront forms: they check the shape of input; services check the business rules."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from shop.accounts.forms import new_password_validators
from shop.accounts.services import InvalidPhone, normalise_phone
from shop.forms import ShopForm, email_field
from shop.sales.models import DeliveryMethod, PaymentMethod
from shop.sales.tax_ids import InvalidTaxId, normalise_tax_id

MAX_QUANTITY = 999


class AddToCartForm(ShopForm):
    product = HiddenField(validators=[InputRequired()])
    variant = IntegerField(_l("Variant"), validators=[InputRequired(_l("Choose a variant."))])
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[
            InputRequired(_l("Enter a quantity.")),
            NumberRange(1, MAX_QUANTITY, _l("Enter a quantity between 1 and 999.")),
        ],
    )


class ActionForm(ShopForm):
    """A button that changes something (pay, log out, remove): nothing but the CSRF token."""


class LineQuantityForm(ShopForm):
    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(_l("Enter a quantity.")),
            NumberRange(0, MAX_QUANTITY, _l("Enter a quantity between 0 and 999.")),
        ],
    )


class CustomerDetailsForm(ShopForm):
    """Name, phone, address and company data, with their rules: the checkout, the account's
    saved addresses and its profile share them (a form leaves out what it does not ask with
    ``field = None``). The tax ID and the phone number are checked for ``country``, or, in a
    form without it, for ``rules_country`` (set by the view)."""

    phone = StringField(
        _l("Phone"), validators=[DataRequired(_l("Enter your phone number.")), Length(max=32)]
    )
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    address_line = StringField(_l("Street and number"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=16)])
    # Choices (the shop's shipping countries) are set by the view and checked by validate().
    country = SelectField(_l("Country"), choices=[], validators=[Optional()], validate_choice=False)
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=160)])
    tax_id = StringField(_l("Tax ID"), validators=[Optional(), Length(max=32)])

    rules_country = ""

    def _country(self) -> str:
        country = self.country.data if "country" in self._fields else self.rules_country
        return country if isinstance(country, str) else ""

    def details_valid(self, *, address_required: bool) -> bool:
        """The rules across fields; call after the fields' own validation."""
        valid = True
        if address_required:
            for field in (self.address_line, self.city, self.postal_code):
                if not (field.data or "").strip():
                    field.errors = [*field.errors, _l("Required for delivery.")]
                    valid = False
        if "tax_id" in self._fields and bool((self.company_name.data or "").strip()) != bool(
            (self.tax_id.data or "").strip()
        ):
            self.tax_id.errors = [
                *self.tax_id.errors,
                _l("For a company invoice give both the company name and its tax ID."),
            ]
            valid = False
        offered = {choice.value for choice in self.country.choices} if "country" in self._fields else None
        if offered is not None and (not self.country.data or self.country.data not in offered):
            self.country.errors = [*self.country.errors, _l("Choose a country from the list.")]
            valid = False
        return valid

    def validate_phone(self, field) -> None:  # noqa: ANN001
        if not (field.data or "").strip():  # an optional phone left empty
            field.data = ""
            return
        country = self._country()
        region = country if len(country) == 2 else "TR"
        try:
            field.data = normalise_phone(field.data, region=region)
        except InvalidPhone as error:
            raise ValidationError(str(error)) from None

    def validate_tax_id(self, field) -> None:  # noqa: ANN001
        tax_id = (field.data or "").strip()
        if tax_id:
            try:
                field.data = normalise_tax_id(self._country(), tax_id)
            except InvalidTaxId:
                raise ValidationError(_l("This tax ID is not valid for the chosen country.")) from None


class CheckoutForm(CustomerDetailsForm):
    email = email_field()
    delivery_method = RadioField(
        _l("Delivery"),
        choices=[
            SelectChoice(DeliveryMethod.CARRIER.value, _l("Carrier shipping")),
            SelectChoice(DeliveryMethod.COURIER.value, _l("Local courier")),
            SelectChoice(DeliveryMethod.PICKUP.value, _l("Pickup at a warehouse")),
        ],
        default=DeliveryMethod.CARRIER.value,
        validators=[InputRequired(_l("Choose a delivery method."))],
    )
    pickup_warehouse = SelectField(
        _l("Pickup warehouse"), choices=[], validators=[Optional()], validate_choice=False
    )
    pickup_date = SelectField(_l("Pickup date"), choices=[], validators=[Optional()], validate_choice=False)
    payment_method = RadioField(
        _l("Payment"),
        choices=[
            SelectChoice(PaymentMethod.CARD.value, _l("Card, online")),
            SelectChoice(PaymentMethod.BANK_TRANSFER.value, _l("Bank transfer")),
            SelectChoice(PaymentMethod.CASH.value, _l("Cash on delivery or at pickup")),
        ],
        default=PaymentMethod.CARD.value,
        validators=[InputRequired(_l("Choose a payment method."))],
        validate_choice=False,  # the view narrows the choices to what is offered; see below
    )
    expected_subtotal = HiddenField()

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        valid = super().validate(extra_validators)
        pickup = self.delivery_method.data == DeliveryMethod.PICKUP.value
        if pickup:
            if not self.pickup_warehouse.data:
                self.pickup_warehouse.errors = [
                    *self.pickup_warehouse.errors,
                    _l("Choose a pickup warehouse and date."),
                ]
                valid = False
            if self.chosen_pickup_date() is None:
                self.pickup_date.errors = [
                    *self.pickup_date.errors,
                    _l("Choose a pickup warehouse and date."),
                ]
                valid = False
        return self.details_valid(address_required=not pickup) and valid

    def chosen_pickup_date(self) -> date | None:
        """The pickup date as a date; anything that is not one is treated as not chosen."""
        try:
            return date.fromisoformat(self.pickup_date.data) if self.pickup_date.data else None
        except (TypeError, ValueError):
            return None

    def validate_payment_method(self, field) -> None:  # noqa: ANN001
        """Only the methods offered (payments.offered_payment_methods), said plainly."""
        if field.data not in {choice.value for choice in field.choices}:
            if field.data == PaymentMethod.CARD.value:
                raise ValidationError(_l("Card payment is not available. Choose another payment method."))
            raise ValidationError(_l("Choose a payment method."))


class RegisterForm(ShopForm):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = email_field()
    password = PasswordField(_l("Password"), validators=new_password_validators())
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", _l("The two passwords are not the same."))]
    )


class LoginForm(ShopForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )
