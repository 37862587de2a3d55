"""What the warehouse and category pages share: the sub-navigation's links, service errors
put next to their fields, and the change history in words."""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names
from flask import current_app, flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.models import User
from shop.backoffice import bp
from shop.catalog import history
from shop.catalog.editing import InvalidCatalogInput
from shop.extensions import db
from shop.forms import ShopForm
from shop.i18n import LANGUAGE_NAMES, format_number

# The Catalog section's pages, in the order of its sub-navigation; a page whose view does not
# exist (yet) is left out, so each part of the catalog can land on its own.
CATALOG_PAGES = (
    ("backoffice.products", "products"),
    ("backoffice.categories", "categories"),
    ("backoffice.warehouses", "warehouses"),
    ("backoffice.catalog_csv", "catalog-csv"),
)


@bp.app_template_global()
def catalog_links() -> list[tuple[str, str, str]]:
    """(address, label, key) of each catalog page there is."""
    labels = {
        "products": _("Products"),
        "categories": _("Categories"),
        "warehouses": _("Warehouses"),
        "catalog-csv": _("Import / export"),
    }
    return [
        (url_for(endpoint), labels[key], key)
        for endpoint, key in CATALOG_PAGES
        if endpoint in current_app.view_functions
    ]


@bp.app_template_filter("weekdays")
def weekday_names(days: list[int] | None) -> str:
    """Weekday numbers (0 = Monday) as the reader's short day names: "Mon, Wed"."""
    names = get_day_names("abbreviated", locale=str(get_locale() or "en"))
    return ", ".join(names[day] for day in days or [] if isinstance(day, int) and 0 <= day <= 6)


def show_errors(form: ShopForm, errors: dict[str, str]) -> None:
    """Each of a service's errors next to its field: ``name.tr`` is the field name_tr."""
    for key, message in errors.items():
        field = getattr(form, key.replace(".", "_"), None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]




def save_form(form: ShopForm, record: Any, *, create, update, added, saved, page, list_endpoint: str):  # noqa: ANN001
    """A catalog add/edit form sent: check it, call the service (``create(values)`` for a new
    record, ``update(record, values)`` otherwise, which says whether anything changed), commit
    and go back to the list; or the form again (``page``) with the problems next to their fields.
    ``added`` and ``saved`` make the notice from the record."""
    if not form.validate_on_submit():
        problem = _("Nothing was saved: correct the fields marked below.")
        return page(form, record, status=422, problem=problem)
    try:
        if record is None:
            record = create(form.values(), by_user_id=current_user.id)
            message = added(record)
        else:
            changed = update(record, form.values(), by_user_id=current_user.id)
            message = saved(record) if changed else _("Nothing changed.")
        db.session.commit()
    except InvalidCatalogInput as error:
        db.session.rollback()
        show_errors(form, error.errors)
        return page(form, record, status=422, problem=str(error))
    flash(message, "success")
    return redirect(url_for(list_endpoint), 303)

def _field_label(field: str, language: str | None = None) -> str:
    label = {
        "code": _("Code"),
        "name": _("Name"),
        "address": _("Address"),
        "slug": _("Slug"),
        "position": _("Position"),
        "pickup": _("Pickup"),
        "pickup_weekdays": _("Days"),
        "pickup_hours": _("Hours"),
        "pickup_lead_days": _("Ready after (days)"),
        "pickup_horizon_days": _("Bookable up to (days ahead)"),
        "delivery_steps": _("Steps of a delivery"),
    }.get(field, field)
    return f"{label} ({LANGUAGE_NAMES.get(language, language)})" if language else label


def _value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "pickup_weekdays" and isinstance(value, list):
        return weekday_names(value)
    if isinstance(value, int):
        return format_number(value)
    return str(value)


def _details(changes: dict[str, list[Any]]) -> list[tuple[str, str, str]]:
    details = []
    for field, (before, after) in changes.items():
        if isinstance(before, dict) or isinstance(after, dict):  # texts per language: one line each
            before, after = before or {}, after or {}
            for language in sorted(set(before) | set(after)):
                if before.get(language) != after.get(language):
                    was, now = _value(field, before.get(language)), _value(field, after.get(language))
                    details.append((_field_label(field, language), was, now))
        else:
            details.append((_field_label(field), _value(field, before), _value(field, after)))
    return details


def history_rows(kind: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest changes of ``kind`` for backoffice/_history.html: two statements."""
    changes = history.recent(kind, limit)
    people = {
        user.id: user
        for user in db.session.scalars(
            db.select(User).where(User.id.in_({c.by_user_id for c in changes if c.by_user_id}))
        )
    }
    actions = {"created": _("Added"), "changed": _("Changed"), "moved": _("Moved"), "deleted": _("Deleted")}
    return [
        {
            "at": change.at,
            "who": (people[change.by_user_id].name or people[change.by_user_id].email)
            if change.by_user_id in people
            else _("System"),
            "what": actions.get(change.action, change.action),
            "subject": change.subject,
            "details": _details(change.changes or {}),
        }
        for change in changes
    ]
