"""Forms of the catalog pages (warehouses, categories): shapes only; shop.catalog's services
check every value and say what is wrong with it. Texts per language are fields ``name_<code>``
for every language the app has; the pages show those of the enabled languages."""

from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from shop.backoffice.forms import MultiCheckboxField
from shop.forms import ShopForm
from shop.i18n import LANGUAGE_NAMES, LANGUAGES, enabled_languages, text_direction


class _PerLanguage:
    """Read and fill the ``<name>_<code>`` fields as {code: text}."""

    def texts(self, name: str) -> dict[str, str]:
        languages, _default = enabled_languages()
        return {code: getattr(self, f"{name}_{code}").data or "" for code in languages}

    def fill_texts(self, name: str, texts: dict[str, str] | None) -> None:
        for code in LANGUAGES:
            getattr(self, f"{name}_{code}").data = (texts or {}).get(code, "")

    def language_fields(self, name: str) -> list[tuple[str, object, bool, str]]:
        """(language code, field, is the default, text direction) for each enabled language,
        the default first."""
        languages, default = enabled_languages()
        ordered = [default, *(code for code in languages if code != default)]
        return [
            (code, getattr(self, f"{name}_{code}"), code == default, text_direction(code)) for code in ordered
        ]


class WarehouseForm(_PerLanguage, ShopForm):
    code = StringField(
        _l("Code"), render_kw={"placeholder": "IST1", "maxlength": 16, "autocapitalize": "characters"}
    )
    position = StringField(_l("Position in lists"), default="0", render_kw={"inputmode": "numeric"})
    pickup = BooleanField(_l("Customers can collect orders here"))
    pickup_weekdays = MultiCheckboxField(_l("Days"), validate_choice=False)
    pickup_hours = StringField(_l("Hours"), render_kw={"placeholder": "10:00-19:00"})
    pickup_lead_days = StringField(_l("Ready after (days)"), default="1", render_kw={"inputmode": "numeric"})
    pickup_horizon_days = StringField(
        _l("Bookable up to (days ahead)"), default="14", render_kw={"inputmode": "numeric"}
    )
    delivery_steps = RadioField(
        _l("Steps of a delivery"),
        choices=[
            SelectChoice("1", _l("Ship")),
            SelectChoice("2", _l("Pick, then ship")),
            SelectChoice("3", _l("Pick, pack, then ship")),
        ],
        default="1",
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
        self.pickup_weekdays.choices = [(str(day), names[day]) for day in range(7)]

    def values(self) -> dict:
        return {
            "code": self.code.data,
            "name": self.texts("name"),
            "address": self.texts("address"),
            "position": self.position.data,
            "pickup": bool(self.pickup.data),
            "pickup_weekdays": list(self.pickup_weekdays.data or []),
            "pickup_hours": self.pickup_hours.data,
            "pickup_lead_days": self.pickup_lead_days.data,
            "pickup_horizon_days": self.pickup_horizon_days.data,
            "delivery_steps": self.delivery_steps.data,
        }


class CategoryForm(_PerLanguage, ShopForm):
    slug = StringField(
        _l("Address in the shop (slug)"), render_kw={"maxlength": 80, "autocapitalize": "none"}
    )

    def values(self) -> dict:
        return {"name": self.texts("name"), "slug": self.slug.data}


for _code in LANGUAGES:
    _language = LANGUAGE_NAMES[_code]
    setattr(WarehouseForm, f"name_{_code}", StringField(_l("Name (%(language)s)", language=_language)))
    setattr(
        WarehouseForm,
        f"address_{_code}",
        TextAreaField(_l("Address (%(language)s)", language=_language), render_kw={"rows": 2}),
    )
    setattr(CategoryForm, f"name_{_code}", StringField(_l("Name (%(language)s)", language=_language)))
