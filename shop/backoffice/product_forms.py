"""Forms of the product pages: shapes only; shop.catalog.editing checks every value and says
what is wrong with it. Names and descriptions are fields ``name_<code>``/``description_<code>``
for every language the app has; the page shows those of the enabled languages, one tab each."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from shop.backoffice.catalog_forms import _PerLanguage
from shop.catalog.editing import ProductDetails, VariantDetails
from shop.forms import AmountField, ShopForm
from shop.i18n import LANGUAGE_NAMES, LANGUAGES, format_number
from shop.web import parse_id


class ProductForm(_PerLanguage, ShopForm):
    category = SelectField(_l("Category"), validate_choice=False)
    published = BooleanField(_l("Published: on sale in the shop"))
    returnable = BooleanField(_l("Customers may return it"), default=True)
    return_days = StringField(_l("Return window (days)"), render_kw={"inputmode": "numeric"})
    weight_grams = StringField(_l("Weight (grams)"), render_kw={"inputmode": "numeric"})

    def details(self) -> ProductDetails:
        return ProductDetails(
            name=self.texts("name"),
            description=self.texts("description"),
            category_id=parse_id(self.category.data),
            published=bool(self.published.data),
            returnable=bool(self.returnable.data),
            return_days=self.return_days.data,
            weight_grams=self.weight_grams.data,
        )


for _code in LANGUAGES:
    _language = LANGUAGE_NAMES[_code]
    setattr(ProductForm, f"name_{_code}", StringField(_l("Name (%(language)s)", language=_language)))
    setattr(
        ProductForm,
        f"description_{_code}",
        TextAreaField(_l("Description (%(language)s)", language=_language), render_kw={"rows": 5}),
    )


class VariantForm(ShopForm):
    sku = StringField(
        _l("SKU"), render_kw={"maxlength": 32, "autocapitalize": "characters", "spellcheck": "false"}
    )
    size = StringField(_l("Size"), render_kw={"maxlength": 40})
    colour = StringField(_l("Colour"), render_kw={"maxlength": 40})
    price = AmountField(_l("Price incl. VAT"), render_kw={"inputmode": "decimal"})
    vat_rate = SelectField(_l("VAT rate"), validate_choice=False)
    position = StringField(_l("Position"), default="0", render_kw={"inputmode": "numeric"})

    def offer_rates(self, rates: list[Decimal]) -> None:
        self.vat_rates = rates
        self.vat_rate.choices = [(rate_value(rate), f"{format_number(rate)} %") for rate in rates]

    def details(self) -> VariantDetails:
        return VariantDetails(
            sku=self.sku.data or "",
            price=self.price.data,
            vat_rate=_rate(self.vat_rate.data),
            options={"size": self.size.data or "", "colour": self.colour.data or ""},
            position=self.position.data,
        )


def rate_value(rate: Decimal) -> str:
    """A rate as the form sends it: "8", "5.5"."""
    return f"{Decimal(rate).normalize():f}"


def _rate(value: object) -> Decimal | None:
    if not isinstance(value, str) or not value or len(value) > 8:
        return None
    try:
        rate = Decimal(value)
    except InvalidOperation:
        return None
    return rate if rate.is_finite() else None
