"""The back office's returns forms (B12): the list's filters, one form per step of a return, the
return recorded by staff, and the returns settings. Shape only: shop.returns checks the rules.

Per-line inputs are named after the return line (``restock-<id>``, ``written-off-<id>``,
``variant-<id>``) or, on the form that opens a return, the order line (``qty-<id>``), as the
services name them in a refusal (``ReturnRefused.field`` "line-<id>"): the message is shown in
that line's row (``line_errors``, by the same id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FileField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from shop.forms import CONTROL_CHARACTERS, ShopForm
from shop.orders.listing import Cursor
from shop.returns.labels import reason_label
from shop.returns.models import REASON_CODES, ReturnLine, ReturnState
from shop.web import parse_id

TEXT_MAX = 2000  # instructions, a rejection's reason, the customer's words typed by staff
UNITS_MAX_DIGITS = 6
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LINE_FIELD = re.compile(r"^line-(\d+)$")


# --- the list's filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnFilter:
    """The list's filters from the URL. A bad value is left out and reported, never an error."""

    state: ReturnState | None = None
    reason: str = ""
    date_from: date | None = None  # days in the shop's time zone, both included
    date_to: date | None = None
    after: Cursor | None = None
    problems: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ReturnFilter:
        problems: dict[str, str] = {}

        def text(name: str) -> str:
            value = args.get(name) or ""
            return CONTROL_CHARACTERS.sub("", value if isinstance(value, str) else "")[:40].strip()

        def day(name: str) -> date | None:
            raw = text(name)
            if not raw:
                return None
            try:
                found = date.fromisoformat(raw) if _DATE.match(raw) else None
            except ValueError:
                found = None
            if found is None or not 1900 <= found.year <= 9000:
                problems[name] = _("Enter a date as YYYY-MM-DD.")
                return None
            return found

        state = None
        if raw_state := text("state"):
            try:
                state = ReturnState(raw_state)
            except ValueError:
                problems["state"] = _("Choose one of the offered values.")
        reason = text("reason")
        if reason and reason not in REASON_CODES:
            problems["reason"] = _("Choose one of the offered values.")
            reason = ""
        date_from, date_to = day("from"), day("to")
        if date_from and date_to and date_from > date_to:
            problems["to"] = _("The end date is before the start date.")
            date_to = None
        return cls(state, reason, date_from, date_to, Cursor.parse(text("after")), problems)

    def to_args(self, **over: str | None) -> dict[str, str]:
        """The filter as URL arguments (for links that keep it), ``over`` replacing some."""
        args = {
            "state": self.state.value if self.state else "",
            "reason": self.reason,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        args.update(over)
        return {key: value for key, value in args.items() if value}


def filter_label(name: str) -> str:
    return {"state": _("State"), "reason": _("Reason"), "from": _("From"), "to": _("To")}.get(name, name)


# --- reading per-line inputs -------------------------------------------------------------------


def whole_number(text: str | None) -> int | None:
    """Units typed in a line's box: ASCII or Persian digits; "" is 0; None when not a count."""
    from shop.i18n import ascii_digits

    text = ascii_digits((text or "").strip())
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > UNITS_MAX_DIGITS:
        return None
    return int(text)


class _ReturnActionForm(ShopForm):
    """A step of a return: its own fields, and the messages of its per-line inputs."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.line_errors: dict[int, str] = {}  # line id (as the inputs name it) -> message

    def show(self, error: Exception) -> None:
        """A service's refusal next to what it names: a line's row, a field of this form, or
        above the form (the return's state, the lines as a whole, the provider's answer)."""
        name = getattr(error, "field", None) or ""
        found = LINE_FIELD.match(name)
        if found:
            self.line_errors[int(found.group(1))] = str(error)
        elif hasattr(getattr(self, name, None), "errors") and name != "csrf_token":
            getattr(self, name).errors = [*getattr(self, name).errors, str(error)]
        else:
            self.form_errors.append(str(error))

    @property
    def has_errors(self) -> bool:
        return bool(self.line_errors or self.form_errors or any(f.errors for f in self))


def _text_max(form, field) -> None:  # noqa: ANN001
    if len(field.data or "") > TEXT_MAX:
        raise ValidationError(_("Write at most %(max)s characters.", max=TEXT_MAX))


class ApproveForm(_ReturnActionForm):
    instructions = TextAreaField(
        _l("Instructions sent with the label"), validators=[_text_max], id="approve-instructions"
    )


class RejectForm(_ReturnActionForm):
    reason = TextAreaField(
        _l("Why the return is refused (sent to the customer)"),
        validators=[InputRequired(_l("Say why the return is refused.")), _text_max],
        id="reject-reason",
    )

    def validate_reason(self, field) -> None:  # noqa: ANN001
        if not (field.data or "").strip():
            raise ValidationError(_("Say why the return is refused."))


class ReceiveForm(_ReturnActionForm):
    warehouse = SelectField(_l("Back to the stock of"), validate_choice=False, id="receive-warehouse")
    note = TextAreaField(_l("Note (optional)"), validators=[_text_max], id="receive-note")

    def offer(self, warehouses) -> None:  # noqa: ANN001
        from shop.i18n import translated

        self._warehouses = {w.id: w for w in warehouses}
        self.warehouse.choices = [SelectChoice(str(w.id), translated(w.name)) for w in warehouses]

    def validate_warehouse(self, field) -> None:  # noqa: ANN001
        if parse_id(field.data) not in self._warehouses:
            raise ValidationError(_("Choose one of the warehouses."))

    def chosen_warehouse(self):  # noqa: ANN201
        return self._warehouses[parse_id(self.warehouse.data)]

    def outcome(self, lines: list[ReturnLine]) -> dict[int, tuple[int, int]] | None:
        """Return line id -> (back on the shelf, written off); None (and messages) if a box
        does not hold a whole number."""
        outcome: dict[int, tuple[int, int]] = {}
        for line in lines:
            restocked = whole_number(request.form.get(f"restock-{line.id}"))
            written_off = whole_number(request.form.get(f"written-off-{line.id}"))
            if restocked is None or written_off is None:
                self.line_errors[line.id] = _("Enter whole numbers of units, 0 or more.")
                continue
            outcome[line.id] = (restocked, written_off)
        return None if self.line_errors else outcome


class ReturnRefundForm(_ReturnActionForm):
    # Made when the form is shown: the same form sent twice refunds once (as on the order page).
    key = HiddenField()
    method = SelectField(
        _l("Paid back by"),
        choices=[
            SelectChoice("bank_transfer", _l("Bank transfer")),
            SelectChoice("cash", _l("Cash")),
            SelectChoice("other", _l("Other")),
        ],
        validate_choice=False,
        id="return-refund-method",
    )

    def validate_key(self, field) -> None:  # noqa: ANN001
        if not (field.data or "").strip() or len(field.data) > 64:
            raise ValidationError(_("The form expired. Please send it again."))


class ExchangeForm(_ReturnActionForm):
    def replacements(self, lines: list[ReturnLine]) -> dict[int, int] | None:
        """Return line id -> the variant chosen, for the lines received; None (and messages)
        when one has none."""
        chosen: dict[int, int] = {}
        for line in lines:
            if not line.received:
                continue
            variant_id = parse_id(request.form.get(f"variant-{line.id}"))
            if variant_id is None:
                self.line_errors[line.id] = _("Choose the variant to send instead.")
                continue
            chosen[line.id] = variant_id
        return None if self.line_errors else chosen


class StaffReturnForm(_ReturnActionForm):
    """A return asked for on the phone or at the counter: the customer's form, typed by staff."""

    reason = SelectField(_l("Reason"), validate_choice=False, id="return-reason")
    reason_text = TextAreaField(
        _l("In the customer’s words"), validators=[_text_max], id="return-reason-text"
    )
    photo = FileField(_l("Photo (optional)"), id="return-photo")

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice("", _("Choose a reason"))] + [
            SelectChoice(code, reason_label(code)) for code in REASON_CODES
        ]

    def validate_reason(self, field) -> None:  # noqa: ANN001
        if field.data not in REASON_CODES:
            raise ValidationError(_("Choose a reason."))

    def quantities(self, order_line_ids: list[int]) -> dict[int, int] | None:
        """Order line id -> units typed (0 left out); None (and messages) when one is no count."""
        chosen: dict[int, int] = {}
        for line_id in order_line_ids:
            units = whole_number(request.form.get(f"qty-{line_id}"))
            if units is None:
                self.line_errors[line_id] = _("Enter whole numbers of units, 0 or more.")
            elif units:
                chosen[line_id] = units
        return None if self.line_errors else chosen

    def photo_bytes(self) -> bytes | None:
        upload = self.photo.data
        if upload is None or not getattr(upload, "filename", ""):
            return None
        return upload.read()


class ReturnSettingsForm(ShopForm):
    window_days = StringField(_l("Days to return a product"))  # checked by returns.settings.validate
    status = SelectField(_l("Status when everything ordered came back"), validate_choice=False)
    instructions = TextAreaField(_l("Instructions sent with the return label"), validators=[_text_max])
    # Shown where the window counts working days; checked by returns.settings.validate.
    holidays = TextAreaField(_l("Official holidays"), validators=[_text_max])
