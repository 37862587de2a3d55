"""The base of every form: what no text field may contain, checked in one place."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

# NUL and other control characters: PostgreSQL refuses NUL in text, and none of them belong
# in a name, an address or an e-mail. Tabs and line breaks stay allowed in multi-line text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(form, field) -> None:  # noqa: ANN001
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_l("This field contains characters that are not allowed."))


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

        def bind_field(self, form, unbound_field, options):  # noqa: ANN001
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, (StringField, TextAreaField)):
                field.validators = [_no_control_characters, *field.validators]
            return field
