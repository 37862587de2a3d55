"""Back-office forms: shape checks only; services check the business rules."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from shop.forms import AmountField, ShopForm
from shop.i18n import LANGUAGE_NAMES, LANGUAGES
from shop.money import CURRENCIES
from shop.notifications.templating import LIMITS as TEMPLATE_LIMITS
from shop.orders.labels import DEFAULT_COLOUR, ORDER_SOURCES
from shop.orders.labels import group_label as status_group_label
from shop.orders.labels import source_label as order_source_label
from shop.orders.models import StatusGroup


class StaffLoginForm(ShopForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=128)]
    )


class ActionForm(ShopForm):
    """A button that changes something: nothing but the CSRF token."""


# --- shared pieces ----------------------------------------------------------------------------

CURRENCY_SYMBOLS = {"TRY": "₺", "PLN": "zł", "IRR": "﷼"}  # beside the code in the currency choice


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes with one name; the template draws them, the service checks the values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _colour(form, field) -> None:  # noqa: ANN001
    if not HEX_COLOUR.match(field.data or ""):
        raise ValidationError(_l("Choose a colour, written as #rrggbb."))
    field.data = field.data.lower()


# --- statuses (admins) --------------------------------------------------------------------------

STATUS_NAME_MAX = 60


class StatusForm(ShopForm):
    """A seller's status: the names per language, its group, what it means and what it sends.
    The language fields (name_en ... sms_template_fa) are added below the class."""

    group = SelectField(_l("Group"), validate_choice=False)
    subgroup = StringField(_l("Subgroup (optional)"), validators=[Length(max=60)])
    colour = StringField(
        _l("Colour"), default=DEFAULT_COLOUR, validators=[_colour], render_kw={"type": "color"}
    )
    position = IntegerField(
        _l("Position in lists"),
        default=0,
        validators=[NumberRange(min=0, max=9999, message=_l("Enter a number from 0 to 9999."))],
    )
    marketplace_status = StringField(
        _l("Marketplace status (optional)"),
        validators=[Length(max=60)],
        render_kw={"placeholder": "SENT"},
    )
    initial = BooleanField(_l("New orders start in this status"))
    requires_tracking = BooleanField(_l("Needs a tracking number and carrier"))
    cancels_order = BooleanField(_l("Cancels the order (reserved stock goes back)"))
    customer_visible = BooleanField(_l("Shown to the customer on the tracking page"), default=True)
    email_customer = BooleanField(_l("E-mail the customer"))
    email_customer_sources = MultiCheckboxField(_l("For orders from"), validate_choice=False)
    email_admin = BooleanField(_l("E-mail the shop's admin address"))
    send_sms = BooleanField(_l("Send an SMS to the customer"))

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.group.choices = [(group.value, status_group_label(group.value)) for group in StatusGroup]
        self.email_customer_sources.choices = [(s, order_source_label(s)) for s in ORDER_SOURCES]

    def validate_group(self, field) -> None:  # noqa: ANN001
        if field.data not in {group.value for group in StatusGroup}:
            raise ValidationError(_l("Choose one of the groups."))

    def validate_email_customer_sources(self, field) -> None:  # noqa: ANN001
        if any(source not in ORDER_SOURCES for source in field.data or []):
            raise ValidationError(_l("Choose sources from the list."))
        if self.email_customer.data and not field.data:
            raise ValidationError(_l("Choose the order sources whose customers get the e-mail."))

    def validate_cancels_order(self, field) -> None:  # noqa: ANN001
        if field.data and self.requires_tracking.data:
            raise ValidationError(_l("A status that cancels the order cannot also need a tracking number."))

    def per_language(self, name: str) -> dict[str, str]:
        """The non-empty texts of one per-language field, e.g. {"en": "Packed", "tr": "Paketlendi"}."""
        texts = {code: (getattr(self, f"{name}_{code}").data or "").strip() for code in LANGUAGES}
        return {code: text for code, text in texts.items() if text}

    def language_fields(self, name: str) -> list:
        return [getattr(self, f"{name}_{code}") for code in LANGUAGES]


def _language_fields() -> None:
    from shop.i18n import LANGUAGE_NAMES

    for code in LANGUAGES:
        language = LANGUAGE_NAMES[code]
        required = [DataRequired(_l("Enter the name in English."))] if code == "en" else [Optional()]
        setattr(
            StatusForm,
            f"name_{code}",
            StringField(
                _l("Name (%(language)s)", language=language),
                validators=[*required, Length(max=STATUS_NAME_MAX)],
            ),
        )
        setattr(
            StatusForm,
            f"email_subject_{code}",
            StringField(
                _l("Subject (%(language)s)", language=language),
                validators=[Length(max=TEMPLATE_LIMITS[("email", "subject")].source)],
            ),
        )
        setattr(
            StatusForm,
            f"email_body_{code}",
            TextAreaField(
                _l("Message (%(language)s)", language=language),
                validators=[Length(max=TEMPLATE_LIMITS[("email", "body")].source)],
                render_kw={"rows": 6},
            ),
        )
        setattr(
            StatusForm,
            f"sms_template_{code}",
            TextAreaField(
                _l("SMS (%(language)s)", language=language),
                validators=[Length(max=TEMPLATE_LIMITS[("sms", "body")].source)],
                render_kw={"rows": 2},
            ),
        )


_language_fields()


# --- settings (admins) ------------------------------------------------------------------------
# Shapes only: settings.services.save() checks every value and says what is wrong with it.


class SettingsForm(ShopForm):
    shop_name = StringField(_l("Shop name"))
    currency = SelectField(_l("Currency"), validate_choice=False)
    default_language = SelectField(_l("Default language"), validate_choice=False)
    enabled_languages = MultiCheckboxField(_l("Languages offered"), validate_choice=False)
    admin_email = StringField(_l("Admin e-mail address"), render_kw={"type": "email"})
    confirm_bank_transfer = RadioField(_l("Bank transfer"), validate_choice=False)
    confirm_cash = RadioField(_l("Cash on delivery or at pickup"), validate_choice=False)
    window_card = StringField(_l("Card (hours)"), render_kw={"inputmode": "numeric"})
    window_bank_transfer = StringField(_l("Bank transfer (hours)"), render_kw={"inputmode": "numeric"})
    bank_account = TextAreaField(_l("Bank account for transfers"), render_kw={"rows": 3})
    seller_address = TextAreaField(_l("Seller's address"), render_kw={"rows": 3, "maxlength": 300})
    seller_tax_id = StringField(_l("Seller's tax ID"), render_kw={"maxlength": 32})
    seller_tax_office = StringField(_l("Tax office (Turkey)"), render_kw={"maxlength": 80})
    order_number_prefix = StringField(_l("Order number prefix"), render_kw={"maxlength": 5})
    price_carrier = AmountField(_l("Carrier shipping"), render_kw={"inputmode": "decimal"})
    price_courier = AmountField(_l("Local courier"), render_kw={"inputmode": "decimal"})
    price_pickup = AmountField(_l("Pickup at a warehouse"), render_kw={"inputmode": "decimal"})
    sales_policy = RadioField(_l("New storefront orders go to"), validate_choice=False)
    sales_team = SelectField(_l("Sales team"), validate_choice=False)
    sms_price_domestic = AmountField(_l("SMS segment, domestic"), render_kw={"inputmode": "decimal"})
    sms_price_foreign = AmountField(_l("SMS segment, abroad"), render_kw={"inputmode": "decimal"})
    sms_price_currency = SelectField(_l("Currency of SMS prices"), validate_choice=False)
    cart_reminder = BooleanField(_l("Remind customers of carts they left"))
    cart_reminder_hours = StringField(_l("Remind after (hours)"), render_kw={"inputmode": "numeric"})
    pickup_transfer = BooleanField(_l("Offer pickup with a transfer between warehouses"))
    pickup_transfer_days = StringField(
        _l("A transfer between warehouses takes (days)"), render_kw={"inputmode": "numeric"}
    )
    low_stock_threshold = StringField(
        _l("Low stock at (available units)"), render_kw={"inputmode": "numeric"}
    )
    vat_rates = StringField(_l("VAT rates offered (%)"), validators=[Length(max=100)])
    backorder_policy = RadioField(
        _l("A delivery step done with less than ordered"),
        choices=[
            SelectChoice("ask", _l("Ask each time")),
            SelectChoice("always", _l("The rest always follows in a backorder")),
            SelectChoice("never", _l("Never a backorder: the rest goes back on sale")),
        ],
        validate_choice=False,
    )
    ship_moves_to_shipped = BooleanField(
        _l("Move the order to Shipped when its ship step gets a tracking number")
    )
    # Choices (the statuses a courier's change may move to) are set by the view.
    courier_status_picked_up = SelectField(
        _l("When the courier marks the order picked up, move it to"), validate_choice=False
    )
    courier_status_on_the_way = SelectField(
        _l("When the courier marks the order on the way, move it to"), validate_choice=False
    )
    courier_status_failed = SelectField(
        _l("When the courier marks the order not delivered, move it to"), validate_choice=False
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        from shop.settings.services import SMS_PRICE_CURRENCIES

        self.sms_price_currency.choices = [(code, code) for code in SMS_PRICE_CURRENCIES]

        self.currency.choices = [(code, f"{code} · {CURRENCY_SYMBOLS[code]}") for code in CURRENCIES]
        self.default_language.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        self.enabled_languages.choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
        policies = [("checkout", _l("At checkout")), ("payment", _l("When paid"))]
        self.confirm_bank_transfer.choices = policies
        self.confirm_cash.choices = policies
        self.sales_policy.choices = [
            ("none", _l("Nobody (assigned by hand)")),
            ("team", _l("One team")),
            ("round_robin", _l("Salespeople in turn (round-robin)")),
        ]


# --- users and sales teams (admins) -----------------------------------------------------------


def _role_choices() -> list[tuple[str, str]]:
    return [("staff", _l("Staff")), ("admin", _l("Admin")), ("courier", _l("Courier"))]


class UserForm(ShopForm):
    """Edit a back-office user; NewUserForm adds the e-mail and the first password."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=120)])
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=40)], render_kw={"type": "tel"})
    role = SelectField(_l("Role"), validate_choice=False)
    salesperson = BooleanField(_l("Salesperson (takes orders in turn)"))
    sales_team = SelectField(_l("Sales team"), validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        from shop.accounts.services import sales_teams

        self.role.choices = _role_choices()
        self.sales_team.choices = [("", _l("No team"))] + [(str(t.id), t.name) for t in sales_teams()]

    def validate_role(self, field) -> None:  # noqa: ANN001
        if field.data not in {value for value, _label in _role_choices()}:
            raise ValidationError(_l("Choose admin, staff or courier."))

    def validate_sales_team(self, field) -> None:  # noqa: ANN001
        if field.data and field.data not in {value for value, _label in self.sales_team.choices}:
            raise ValidationError(_l("Choose one of the sales teams."))


def _password_validators() -> list:
    from shop.accounts.services import PASSWORD_MAX, PASSWORD_MIN

    return [
        DataRequired(_l("Enter a password.")),
        Length(
            min=PASSWORD_MIN,
            max=PASSWORD_MAX,
            message=_l(
                "Choose a password of %(min)s to %(max)s characters.", min=PASSWORD_MIN, max=PASSWORD_MAX
            ),
        ),
    ]


class NewUserForm(UserForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter the e-mail address.")),
            Email(_l("Enter an e-mail address.")),
            Length(max=254),
        ],
    )
    password = PasswordField(_l("First password"), validators=_password_validators())


class PasswordResetForm(ShopForm):
    password = PasswordField(_l("New password"), validators=_password_validators())


class TeamForm(ShopForm):
    name = StringField(
        _l("Team name"), validators=[DataRequired(_l("Enter the team's name.")), Length(max=80)]
    )
