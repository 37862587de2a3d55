"""The customer's return forms: they check the shape of input; shop.returns.requests checks the
rules (which lines, how many units, until when, the reason's text, the photo)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from shop.forms import ShopForm, email_field
from shop.returns.labels import reason_label
from shop.returns.models import REASON_CODES
from shop.returns.requests import REASON_TEXT_MAX
from shop.storefront.forms import MAX_QUANTITY


class ReturnStartForm(ShopForm):
    """The guest's way in: which order, and the address it was ordered with."""

    number = StringField(
        _l("Order number"), validators=[DataRequired(_l("Enter your order number.")), Length(max=20)]
    )
    email = email_field()


class ReturnForm(ShopForm):
    """Reason, text and photo; ``line_field(id)`` holds the units asked for of each order line."""

    reason = SelectField(
        _l("Reason"), validators=[InputRequired(_l("Choose a reason."))], validate_choice=False
    )
    reason_text = TextAreaField(_l("Tell us more"), validators=[Optional(), Length(max=REASON_TEXT_MAX)])
    photo = FileField(_l("Photo (optional)"))

    def line_field(self, line_id: int) -> IntegerField:
        return self[line_field_name(line_id)]

    def quantities(self) -> dict[int, int]:
        """Order line id -> units asked for (zeros included: the service ignores them)."""
        return {
            int(field.name.removeprefix("line-")): field.data or 0
            for field in self
            if field.name.startswith("line-")
        }

    def validate_reason(self, field) -> None:  # noqa: ANN001
        # A value not in the list: the same words as none chosen, not WTForms' "Not a valid choice".
        if field.data not in REASON_CODES:
            raise StopValidation(_l("Choose a reason."))


def line_field_name(line_id: int) -> str:
    return f"line-{line_id}"


def return_form(line_ids: list[int]) -> ReturnForm:
    """The form for an order's lines: a units field "line-<order line id>" for each."""

    class OrderReturnForm(ReturnForm):
        pass

    for line_id in line_ids:
        setattr(
            OrderReturnForm,
            line_field_name(line_id),
            IntegerField(
                _l("Units to return"),
                default=0,
                validators=[
                    Optional(),
                    NumberRange(0, MAX_QUANTITY, _l("Enter a number of units between 0 and 999.")),
                ],
            ),
        )
    form = OrderReturnForm()
    form.reason.choices = [SelectChoice("", _l("Choose a reason"))] + [
        SelectChoice(code, reason_label(code)) for code in REASON_CODES
    ]
    return form
