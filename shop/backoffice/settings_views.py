"""The settings page (B14, B15), admins only: the form draws and reads the values,
settings.services.save() checks them all, stores what changed and records who changed it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import get_day_names
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.models import SalesTeam, User
from shop.accounts.services import sales_teams
from shop.backoffice import bp
from shop.backoffice.access import admin_required
from shop.backoffice.forms import SettingsForm
from shop.extensions import db
from shop.i18n import LANGUAGE_NAMES, format_number
from shop.money import scale
from shop.orders import services as orders
from shop.orders.models import OrderStatus
from shop.settings import services as settings
from shop.settings.models import SettingChange

TEMPLATE = "backoffice/settings/page.html"

# Where each error key of settings.save() is shown on the page.
_FIELDS = {
    "shop_name": "shop_name",
    "currency": "currency",
    "default_language": "default_language",
    "enabled_languages": "enabled_languages",
    "admin_email": "admin_email",
    "bank_account": "bank_account",
    "seller_address": "seller_address",
    "seller_tax_id": "seller_tax_id",
    "seller_tax_office": "seller_tax_office",
    "order_number_prefix": "order_number_prefix",
    "confirm_order_on.bank_transfer": "confirm_bank_transfer",
    "confirm_order_on.cash": "confirm_cash",
    "payment_window_hours.card": "window_card",
    "payment_window_hours.bank_transfer": "window_bank_transfer",
    "delivery_prices.carrier": "price_carrier",
    "delivery_prices.courier": "price_courier",
    "delivery_prices.pickup": "price_pickup",
    "sales_assignment.policy": "sales_policy",
    "sales_assignment.team_id": "sales_team",
    "sms_prices.domestic": "sms_price_domestic",
    "sms_prices.foreign": "sms_price_foreign",
    "sms_prices.currency": "sms_price_currency",
    "abandoned_cart.delay_hours": "cart_reminder_hours",
    "pickup_transfer.days": "pickup_transfer_days",
    "low_stock_threshold": "low_stock_threshold",
    "vat_rates": "vat_rates",
    "backorder_policy": "backorder_policy",
    **{f"courier_statuses.{state}": f"courier_status_{state}" for state in settings.COURIER_STATES},
}


def _amount(stored: str | None) -> Decimal | None:
    """A price kept as text ("0.15"), for the form to show in the reader's notation."""
    try:
        return Decimal(stored) if stored else None
    except InvalidOperation:
        return None


def _form(shop: settings.ShopSettings, *, submitted: bool) -> SettingsForm:
    if submitted:
        form = SettingsForm()
    else:
        places = Decimal(1).scaleb(-scale(shop.currency))
        form = SettingsForm(
            formdata=None,
            data={
                "shop_name": shop.shop_name,
                "currency": shop.currency,
                "default_language": shop.default_language,
                "enabled_languages": list(shop.enabled_languages),
                "admin_email": shop.admin_email,
                "confirm_bank_transfer": shop.confirm_order_on.get("bank_transfer", "payment"),
                "confirm_cash": shop.confirm_order_on.get("cash", "payment"),
                "window_card": str(shop.payment_window_hours.get("card", "")),
                "window_bank_transfer": str(shop.payment_window_hours.get("bank_transfer", "")),
                "bank_account": shop.bank_account,
                "seller_address": shop.seller_address,
                "seller_tax_id": shop.seller_tax_id,
                "seller_tax_office": shop.seller_tax_office,
                "order_number_prefix": shop.order_number_prefix,
                **{
                    f"price_{method}": shop.delivery_price(method).quantize(places)
                    for method in settings.DELIVERY_METHODS
                },
                "sales_policy": shop.sales_assignment.get("policy", "none"),
                "sales_team": str(shop.sales_assignment.get("team_id") or ""),
                "sms_price_domestic": _amount(shop.sms_prices.get("domestic")),
                "sms_price_foreign": _amount(shop.sms_prices.get("foreign")),
                "sms_price_currency": shop.sms_prices.get("currency", "PLN"),
                "cart_reminder": bool(shop.abandoned_cart.get("enabled")),
                "cart_reminder_hours": str(shop.abandoned_cart.get("delay_hours", "")),
                "pickup_transfer": bool(shop.pickup_transfer.get("enabled")),
                "pickup_transfer_days": str(shop.pickup_transfer.get("days", "")),
                "low_stock_threshold": str(shop.low_stock_threshold),
                "vat_rates": " ".join(f"{rate.normalize():f}" for rate in shop.offered_vat_rates()),
                "backorder_policy": shop.backorder_policy,
                "ship_moves_to_shipped": shop.ship_moves_to_shipped,
                **{
                    f"courier_status_{state}": shop.courier_statuses.get(state, "")
                    for state in settings.COURIER_STATES
                },
            },
        )
    form.sales_team.choices = [("", _("Any team"))] + [(str(t.id), t.name) for t in sales_teams()]
    targets = [("", _("(no change)"))] + [
        (status.code, orders.status_name(status)) for status in settings.courier_target_statuses()
    ]
    for state in settings.COURIER_STATES:
        getattr(form, f"courier_status_{state}").choices = targets
    return form


def _changes(form: SettingsForm) -> dict[str, Any]:
    # The low-stock threshold only when the form had it (older forms and scripts leave it as is).
    field = form.low_stock_threshold
    threshold = {"low_stock_threshold": field.data} if field.raw_data else {}
    return threshold | {
        "shop_name": form.shop_name.data,
        "currency": form.currency.data,
        "enabled_languages": list(form.enabled_languages.data or []),
        "default_language": form.default_language.data,
        "admin_email": form.admin_email.data,
        "confirm_order_on": {
            "bank_transfer": form.confirm_bank_transfer.data,
            "cash": form.confirm_cash.data,
        },
        "payment_window_hours": {
            "card": form.window_card.data,
            "bank_transfer": form.window_bank_transfer.data,
        },
        "bank_account": form.bank_account.data,
        "order_number_prefix": form.order_number_prefix.data,
        "delivery_prices": {
            method: getattr(form, f"price_{method}").data for method in settings.DELIVERY_METHODS
        },
        "sales_assignment": {"policy": form.sales_policy.data, "team_id": form.sales_team.data or None},
        "sms_prices": {
            "domestic": form.sms_price_domestic.data,
            "foreign": form.sms_price_foreign.data,
            "currency": form.sms_price_currency.data,
        },
        "abandoned_cart": {"enabled": form.cart_reminder.data, "delay_hours": form.cart_reminder_hours.data},
        "pickup_transfer": {"enabled": form.pickup_transfer.data, "days": form.pickup_transfer_days.data},
    } | (
        # A page opened before the rates were on it keeps them as they are.
        {"vat_rates": form.vat_rates.data} if "vat_rates" in request.form else {}
    ) | (
        # Likewise the delivery settings (issue 12).
        {
            "backorder_policy": form.backorder_policy.data,
            "ship_moves_to_shipped": bool(form.ship_moves_to_shipped.data),
        }
        if "backorder_policy" in request.form
        else {}
    ) | (
        # Likewise what the courier's changes do to the order's status (issue 12).
        {
            "courier_statuses": {
                state: getattr(form, f"courier_status_{state}").data for state in settings.COURIER_STATES
            }
        }
        if "courier_status_picked_up" in request.form
        else {}
    ) | {  # likewise the seller's details (printed documents)
        key: getattr(form, key).data
        for key in settings.SELLER_TEXT_MAX
        if key in request.form
    }


def _show_errors(errors: dict[str, str], form: SettingsForm) -> list[str]:
    """Put each error next to its field; returns those that have no field (shown on top)."""
    loose = []
    for key, message in errors.items():
        field = getattr(form, _FIELDS.get(key, ""), None)
        if field is None:
            loose.append(message)
        else:
            field.errors = [*field.errors, message]
    return loose


# --- what the history shows -------------------------------------------------------------------


def setting_label(key: str) -> str:
    # Pickup rules were edited here until issue 11 (now on the warehouse page, with its own
    # history); their old entries still read as before.
    if key.startswith("warehouse."):
        code = key.split(".", 1)[1]
        return _("Pickup at %(warehouse)s", warehouse=code)
    return {
        "shop_name": _("Shop name"),
        "currency": _("Currency"),
        "default_language": _("Default language"),
        "enabled_languages": _("Languages offered"),
        "admin_email": _("Admin e-mail address"),
        "confirm_order_on": _("Order confirmation"),
        "payment_window_hours": _("Payment windows"),
        "bank_account": _("Bank account"),
        "seller_address": _("Seller's address"),
        "seller_tax_id": _("Seller's tax ID"),
        "seller_tax_office": _("Tax office (Turkey)"),
        "order_number_prefix": _("Order number prefix"),
        "delivery_prices": _("Delivery prices"),
        "sales_assignment": _("Sales-team policy"),
        "sms_prices": _("SMS prices"),
        "abandoned_cart": _("Abandoned-cart reminders"),
        "pickup_transfer": _("Pickup with a transfer"),
        "low_stock_threshold": _("Low-stock threshold"),
        "vat_rates": _("VAT rates"),
        "backorder_policy": _("Backorders"),
        "ship_moves_to_shipped": _("Shipped with the tracking number"),
        "courier_statuses": _("Status after the courier’s changes"),
        "invoicing": _("Invoices"),
        "returns": _("Returns"),
    }.get(key, key)


def _label(value: Any) -> str:
    """One word of a stored value in the reader's language: "payment" is "when paid"."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_number(value)
    if not isinstance(value, str):
        return str(value)
    return {
        "checkout": _("at checkout"),
        "payment": _("when paid"),
        "card": _("card"),
        "bank_transfer": _("bank transfer"),
        "cash": _("cash"),
        "carrier": _("carrier"),
        "courier": _("courier"),
        "pickup": _("pickup"),
        "none": _("nobody"),
        "team": _("one team"),
        "round_robin": _("round-robin"),
        "domestic": _("domestic"),
        "foreign": _("abroad"),
        "currency": _("currency"),
        "enabled": _("on"),
        "delay_hours": _("hours"),
        "days": _("days"),
        "picked_up": _("picked up"),
        "on_the_way": _("on the way"),
        "failed": _("not delivered"),
    }.get(value, LANGUAGE_NAMES.get(value, value))


def describe_value(key: str, value: Any) -> str:
    """A stored value in words, short enough for a table cell."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key == "sales_assignment" and isinstance(value, dict):
        policy = str(_label(value.get("policy")))
        team = db.session.get(SalesTeam, value["team_id"]) if value.get("team_id") else None
        return f"{policy} · {team.name}" if team else policy
    if key.startswith("warehouse.") and isinstance(value, dict):
        if not value.get("pickup"):
            return _("no pickup")
        names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
        days = ", ".join(names[day] for day in value.get("pickup_weekdays", []) if 0 <= day <= 6)
        return _(
            "%(days)s %(hours)s, %(lead)s–%(horizon)s days ahead",
            days=days,
            hours=value.get("pickup_hours", ""),
            lead=format_number(value.get("pickup_lead_days", 0)),
            horizon=format_number(value.get("pickup_horizon_days", 0)),
        )
    if key == "returns":
        from shop.backoffice.returns_settings import describe_returns

        return describe_returns(value)
    if key == "courier_statuses" and isinstance(value, dict):
        names = {
            status.code: orders.status_name(status)
            for status in db.session.scalars(
                db.select(OrderStatus).where(OrderStatus.code.in_(value.values()))
            )
        }
        return ", ".join(
            f"{_label(state)}: {names.get(code, code) if code else _('no change')}"
            for state, code in value.items()
        )
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)}: {_label(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_label(item) for item in value)
    return _label(value)


def _history(changes: list[SettingChange]) -> list[dict[str, Any]]:
    people = {
        user.id: user
        for user in db.session.scalars(
            db.select(User).where(User.id.in_({c.user_id for c in changes if c.user_id}))
        )
    }
    return [
        {
            "at": change.at,
            "who": (people[change.user_id].name or people[change.user_id].email)
            if change.user_id in people
            else _("System"),
            "what": setting_label(change.key),
            "subject": "",
            "details": [
                ("", describe_value(change.key, change.before), describe_value(change.key, change.after))
            ],
        }
        for change in changes
    ]


def _page(form: SettingsForm, *, status: int = 200, problems: list[str] | None = None):
    shop = settings.current()
    return (
        render_template(
            TEMPLATE,
            form=form,
            current=shop,
            history=_history(settings.recent_changes(20)),
            problems=problems or [],
        ),
        status,
    )


# --- the view ---------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
@admin_required
def settings_page():
    shop = settings.current_fresh()
    submitted = request.method == "POST"
    form = _form(shop, submitted=submitted)
    if not submitted:
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422, problems=[str(settings.InvalidSettings({}))])
    try:
        recorded = settings.save(_changes(form), by_user_id=current_user.id)
        db.session.commit()
    except settings.InvalidSettings as error:
        db.session.rollback()
        loose = _show_errors(error.errors, form)
        return _page(form, status=422, problems=[str(error), *loose])
    if not recorded:
        flash(_("Nothing changed."), "info")
    else:
        flash(_("Settings saved."), "success")
        if any(change.key == "currency" for change in recorded):
            flash(
                _(
                    "The currency changed. Existing product and delivery prices were not converted; "
                    "check them."
                ),
                "warning",
            )
    return redirect(url_for("backoffice.settings"), 303)
