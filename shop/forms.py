"""The base of every form: what no text field may contain, checked in one place."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import EmailField, FileField, HiddenField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError

# NUL and other control characters: PostgreSQL refuses NUL in text, and none of them belong
# in a name, an address or an e-mail. Tabs and line breaks stay allowed in multi-line text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(form, field) -> None:  # noqa: ANN001
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("This field contains characters that are not allowed."))


def _text_only(form, field) -> None:  # noqa: ANN001
    """A file (or JSON that is no text) sent for a field that takes text: the field says so and
    nothing else is checked, so no validator meets a value it cannot handle."""
    if field.short_name in getattr(form, "_not_text", ()):
        raise StopValidation(_l("This field takes text, not a file."))


def _text_formdata(form, formdata) -> MultiDict | None:  # noqa: ANN001
    """The submitted values as text for every field but file fields.

    Flask-WTF merges ``request.files`` into the form data, so a text field sent as a file
    upload gets a FileStorage, and a JSON body can give numbers, lists and objects; none of
    WTForms' fields or validators expects those. They are left out here, the field is noted,
    and ``_text_only`` gives it a message."""
    if formdata is None:
        return None
    file_fields = {field.name for field in form if isinstance(field, FileField)}
    text: MultiDict = MultiDict()
    refused = set()
    for name, values in formdata.lists():
        if name in file_fields:
            text.setlist(name, values)
            continue
        kept = [
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
            for value in values
        ]
        kept = [value for value in kept if isinstance(value, str)]
        if len(kept) != len(values):
            refused.add(name)
        if kept:
            text.setlist(name, kept)
    form._not_text = {field.short_name for field in form if field.name in refused}
    return text


@lru_cache(maxsize=16)
def _wtforms_messages(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class ShopForm(FlaskForm):
    def show_error(self, error: Exception, *, fallback: str | None = None) -> None:
        """Put a service's error next to the field it names (``ShopError.field``), else next to
        ``fallback``, else above the form."""
        field = getattr(self, getattr(error, "field", None) or "", None)
        if not hasattr(field, "errors"):
            field = getattr(self, fallback, None) if fallback else None
        if field is None:
            self.form_errors.append(str(error))
        else:
            field.errors = [*field.errors, str(error)]

    class Meta:
        def get_translations(self, form):  # noqa: ANN001, ANN201
            """WTForms' own messages in the request's language. Flask-WTF reads the catalog
            from disk on every request (10 ms of each order-list page); once per language
            is enough."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _wtforms_messages(str(get_locale() or "en"))

        def wrap_formdata(self, form, formdata):  # noqa: ANN001, ANN201
            try:
                formdata = super().wrap_formdata(form, formdata)
            except (TypeError, ValueError):  # a JSON body that is not an object of fields
                formdata = MultiDict()
            return _text_formdata(form, formdata)

        def bind_field(self, form, unbound_field, options):  # noqa: ANN001
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, FileField):
                return field
            if isinstance(field, HiddenField):
                # No label points at a hidden input: without an id, two forms on one page (each
                # with its csrf_token) do not repeat one.
                field.render_kw = {"id": False, **(field.render_kw or {})}
            if isinstance(field, (StringField, TextAreaField)):
                field.validators = [_text_only, _no_control_characters, *field.validators]
            else:
                field.validators = [_text_only, *field.validators]
            return field


def email_field():  # noqa: ANN201  (an unbound WTForms field)
    """An e-mail address a person types (checkout, registration, a forgotten password): one rule
    for the messages and the 254 characters an address may have."""
    return EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address.")),
            Length(max=254),
        ],
    )


class AmountField(StringField):
    """An amount (a price) typed as the reader writes numbers: ``12,50`` in Turkish and Polish,
    ``12.50`` in English, Persian digits in Persian; ``data`` is a Decimal, or None when empty.
    Services check the range and the decimals the currency allows."""

    def process_formdata(self, valuelist: list) -> None:
        from shop.i18n import locale_code
        from shop.money import format_amount, parse_amount

        self.data = None
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        if not text:
            return
        self.data = parse_amount(text, locale_code())
        if self.data is None:
            raise ValueError(
                gettext(
                    "Enter an amount, for example %(example)s.",
                    example=format_amount(Decimal("12.50"), locale_code()),
                )
            )

    def _value(self) -> str:
        from shop.i18n import locale_code
        from shop.money import format_amount

        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return format_amount(self.data, locale_code())
        return str(self.data) if self.data is not None else ""
