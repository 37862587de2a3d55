"""The invoicing settings page (admins): number formats of invoices and credit notes, the days a
B2C customer may ask for an invoice, and whether an online payment issues it. Saved through the
settings service (checked there, each change recorded with who made it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from shop.backoffice import bp
from shop.backoffice.access import admin_required
from shop.db_types import utcnow
from shop.documents.numbering import shop_year
from shop.extensions import db
from shop.forms import ShopForm
from shop.invoicing import settings as invoicing_settings
from shop.settings import services as settings

# Where each error of settings.save() is shown.
_FIELDS = {
    "invoicing.formats.invoice": "invoice_format",
    "invoicing.formats.credit-note": "credit_note_format",
    "invoicing.request_days": "request_days",
}


class InvoiceSettingsForm(ShopForm):
    invoice_format = StringField(_l("Invoice number format"), validators=[Length(max=64)])
    credit_note_format = StringField(_l("Credit note number format"), validators=[Length(max=64)])
    request_days = StringField(_l("Days a customer may ask for an invoice"), validators=[Length(max=4)])
    on_online_payment = BooleanField(_l("Issue the invoice when an online payment is confirmed"))


def _page(form: InvoiceSettingsForm, status: int = 200):
    now = invoicing_settings.current()
    year = shop_year(utcnow())
    examples = {
        series: invoicing_settings.format_number(pattern, year, 123)
        for series, pattern in now.formats.items()
        if invoicing_settings.check_format(pattern) is None
    }
    return render_template("backoffice/invoices/settings.html", form=form, examples=examples), status


@bp.route("/settings/invoices", methods=["GET", "POST"])
@admin_required
def invoice_settings():
    now = invoicing_settings.current()
    form = InvoiceSettingsForm(
        data={
            "invoice_format": now.formats["invoice"],
            "credit_note_format": now.formats["credit-note"],
            "request_days": str(now.request_days),
            "on_online_payment": now.on_online_payment,
        }
    )
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    changes = {
        "formats": {"invoice": form.invoice_format.data, "credit-note": form.credit_note_format.data},
        "request_days": form.request_days.data,
        "on_online_payment": bool(form.on_online_payment.data),
    }
    try:
        settings.save({"invoicing": changes}, by_user_id=current_user.id)
        db.session.commit()
    except settings.InvalidSettings as refusal:
        db.session.rollback()
        for key, message in refusal.errors.items():
            getattr(form, _FIELDS[key]).errors = [message]
        return _page(form, 422)
    flash(_("Invoice settings saved."), "success")
    return redirect(url_for("backoffice.invoice_settings"), 303)
