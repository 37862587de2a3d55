"""The returns settings page (admins): the return window (empty: the shop country's default),
the official holidays where the window counts working days (Iran), the status an order moves to
once everything ordered came back, and the instructions sent with an approved return's label.
Checked by shop.returns.settings.validate, saved through the settings service (each change
recorded with who made it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop.backoffice import bp
from shop.backoffice.access import admin_required
from shop.backoffice.return_forms import ReturnSettingsForm
from shop.extensions import db
from shop.i18n import format_number
from shop.orders import services as orders
from shop.orders.models import OrderStatus
from shop.returns import handling
from shop.returns import settings as return_settings
from shop.settings import services as settings

# Where each error of settings.save() is shown.
_FIELDS = {
    "returns.window_days": "window_days",
    "returns.status": "status",
    "returns.instructions": "instructions",
    "returns.holidays": "holidays",
}
INSTRUCTIONS_SHOWN = 60  # characters of the instructions in the settings history


def window_words(days: int, working_days: bool) -> str:
    if working_days:
        return ngettext("%(count)s working day", "%(count)s working days", days, count=format_number(days))
    return ngettext("%(count)s day", "%(count)s days", days, count=format_number(days))


def describe_returns(value: Any) -> str:
    """The stored returns settings in words, for the settings history."""
    if not isinstance(value, dict):
        return str(value)
    parts = []
    days = value.get("window_days")
    if isinstance(days, int) and not isinstance(days, bool):
        working = return_settings.current().working_days  # the unit follows the shop's country
        parts.append(_("window: %(window)s", window=window_words(days, working)))
    elif "window_days" in value:
        parts.append(_("window: the country’s default"))
    if value.get("status"):
        status = db.session.scalar(db.select(OrderStatus).where(OrderStatus.code == value["status"]))
        parts.append(
            _("status: %(status)s", status=orders.status_name(status) if status else value["status"])
        )
    if "instructions" in value:
        text = " ".join(str(value.get("instructions") or "").split())
        if len(text) > INSTRUCTIONS_SHOWN:
            text = text[: INSTRUCTIONS_SHOWN - 1] + "…"
        parts.append(_("instructions: %(text)s", text=text) if text else _("instructions: the built-in text"))
    holidays = value.get("holidays")
    if isinstance(holidays, list) and (holidays or return_settings.current().working_days):
        count = len(holidays)
        parts.append(
            ngettext(
                "%(count)s official holiday", "%(count)s official holidays", count, count=format_number(count)
            )
        )
    return "; ".join(parts) or "—"


def _page(form: ReturnSettingsForm, status: int = 200):
    days, working = return_settings.default_window(settings.current().currency)
    return (
        render_template(
            "backoffice/returns/settings.html",
            form=form,
            working_days=working,
            default_window=window_words(days, working),
            # The text customers get while the field is empty (a return without instructions).
            built_in_instructions=handling.instructions_for(SimpleNamespace(instructions="")),
        ),
        status,
    )


@bp.route("/settings/returns", methods=["GET", "POST"])
@admin_required
def returns_settings():
    now = return_settings.current()
    form = ReturnSettingsForm(
        data={
            "window_days": "" if now.window_days is None else str(now.window_days),
            "status": now.status,
            "instructions": now.instructions,
            "holidays": return_settings.holidays_text(now.holidays),
        }
    )
    form.status.choices = [
        SelectChoice(s.code, orders.status_name(s)) for s in return_settings.target_statuses()
    ]
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    changes = {
        "window_days": (form.window_days.data or "").strip(),
        "status": form.status.data or "",
        "instructions": (form.instructions.data or "").strip(),
    }
    if now.working_days:  # the field is only on the page where the window counts working days
        changes["holidays"] = form.holidays.data or ""
    try:
        recorded = settings.save({"returns": changes}, by_user_id=current_user.id)
        db.session.commit()
    except settings.InvalidSettings as refusal:
        db.session.rollback()
        for key, message in refusal.errors.items():
            field = getattr(form, _FIELDS.get(key, ""), None)
            if field is None:
                form.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]
        return _page(form, 422)
    flash(
        _("Returns settings saved.") if recorded else _("Nothing changed."), "success" if recorded else "info"
    )
    return redirect(url_for("backoffice.returns_settings"), 303)
