"""The order list (B2): filters that live in the URL, htmx swaps of the results, bulk status change.

GET /admin/orders answers the whole page, or under htmx only the ``results`` block of the
template (jinja2-fragments), so the filter form stays as the person left it. The form has
hx-history="false": going back asks the server for the page of that URL again instead of
restoring a snapshot whose form fields could disagree with its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.validators import ValidationError

from shop.accounts.models import Role, SalesTeam, User
from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import ShopForm
from shop.orders import listing
from shop.orders import services as orders
from shop.orders.labels import group_label, safe_colour
from shop.orders.listing import AWAITING_PAYMENT, COUNT_CAP, Cursor, OrderFilter, OrderPage
from shop.orders.models import OrderStatus, StatusGroup
from shop.sales.models import (
    DeliveryMethod,
    Order,
    OrderState,
    PaymentState,
    delivery_method_label,
    payment_state_label,
    state_label,
)
from shop.web import is_htmx, parse_id, render

TEMPLATE = "backoffice/orders/list.html"
BULK_MAX = 500  # orders per bulk status change
REFUSALS_SHOWN = 10  # refusal messages flashed one by one; the rest are counted


# --- labels ---------------------------------------------------------------------------------


def labels() -> dict[str, dict[str, str]]:
    """Every label the list shows, translated once per request rather than once per row."""
    return {
        "group": {
            "": _("All"),
            AWAITING_PAYMENT: _("Awaiting payment"),
            **{group.value: group_label(group.value) for group in StatusGroup},
        },
        "delivery": {
            **{method.value: delivery_method_label(method.value) for method in DeliveryMethod},
            "": delivery_method_label(None),
        },
        "payment": {state.value: payment_state_label(state) for state in PaymentState},
        "state": {state.value: state_label(state) for state in OrderState},
        "source": {"storefront": _("Storefront")},
    }


def count_cap() -> int:
    return int(current_app.config.get("ORDER_LIST_COUNT_CAP", COUNT_CAP))


def count_label(count: int, cap: int) -> str:
    """A capped count: "1 000+" once there are more than the cap (see listing.COUNT_CAP)."""
    from shop.i18n import format_number

    return _("%(count)s+", count=format_number(cap)) if count > cap else format_number(count)


# --- forms ----------------------------------------------------------------------------------


# Each filter's name by its URL parameter: the form's labels, and the prefix of a refused value.
FILTER_LABELS = {
    "q": _l("Search"),
    "group": _l("Status group"),
    "status": _l("Status"),
    "delivery": _l("Delivery"),
    "payment": _l("Payment"),
    "source": _l("Source"),
    "salesperson": _l("Salesperson"),
    "team": _l("Sales team"),
    "from": _l("From"),
    "to": _l("To"),
}


class OrderFilterForm(ShopForm):
    """The filters, a GET form: its values live in the URL, so it changes nothing and needs no
    CSRF token. OrderFilter.from_args is what reads them; this form only draws them."""

    class Meta:
        csrf = False

    q = SearchField(FILTER_LABELS["q"], render_kw={"placeholder": _l("Number, name, e-mail, phone or SKU")})
    status = SelectField(FILTER_LABELS["status"], validate_choice=False)
    delivery = SelectField(FILTER_LABELS["delivery"], validate_choice=False)
    payment = SelectField(FILTER_LABELS["payment"], validate_choice=False)
    source = SelectField(FILTER_LABELS["source"], validate_choice=False)
    salesperson = SelectField(FILTER_LABELS["salesperson"], validate_choice=False)
    team = SelectField(FILTER_LABELS["team"], validate_choice=False)
    date_from = StringField(FILTER_LABELS["from"], name="from", render_kw={"type": "date"})
    date_to = StringField(FILTER_LABELS["to"], name="to", render_kw={"type": "date"})

    def __init__(
        self,
        order_filter: OrderFilter,
        statuses: list[OrderStatus],
        people: list[User],
        teams: list[SalesTeam],
        names: dict[str, dict[str, str]] | None = None,
        **kwargs,  # noqa: ANN003
    ) -> None:
        args = order_filter.to_args()
        data = {name: args.get(name, "") for name in ("q", "status", "delivery", "payment", "source")}
        data |= {
            "salesperson": args.get("salesperson", ""),
            "team": args.get("team", ""),
            "date_from": args.get("from", ""),
            "date_to": args.get("to", ""),
        }
        super().__init__(formdata=None, data=data, **kwargs)
        anything = ("", _("Any"))
        names = names or labels()
        self.status.choices = [anything] + [
            (
                str(s.id),
                _("%(status)s (archived)", status=orders.status_name(s))
                if s.archived
                else orders.status_name(s),
            )
            for s in statuses
        ]
        self.delivery.choices = [anything] + [(m.value, names["delivery"][m.value]) for m in DeliveryMethod]
        self.payment.choices = [anything] + [(p.value, names["payment"][p.value]) for p in PaymentState]
        sources = listing.known_sources()
        if order_filter.source and order_filter.source not in sources:
            sources.append(order_filter.source)
        self.source.choices = [anything] + [(s, names["source"].get(s, s)) for s in sources]
        self.salesperson.choices = [anything] + [(str(u.id), u.name or u.email) for u in people]
        self.team.choices = [anything] + [(str(t.id), t.name) for t in teams]


class BulkStatusForm(ShopForm):
    """Bulk status change: the form checks the shape; orders.change_status checks each order."""

    # id: the filters above have their own "status" on the same page.
    status = SelectField(_l("New status"), validate_choice=False, id="bulk-status")
    order = SelectMultipleField(_l("Orders"), validate_choice=False)
    back = HiddenField()  # the list's query string, to return to the same filters
    # Sent by the "Yes, cancel them" button of the confirmation a cancelling status asks for.
    confirmed = BooleanField()

    def __init__(self, *args, statuses: list[OrderStatus] | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        statuses = orders.statuses() if statuses is None else [s for s in statuses if not s.archived]
        self._offered = {s.id: s for s in statuses}
        self.status.choices = [("", _("Choose a status"))] + [
            (str(s.id), orders.status_name(s)) for s in self._offered.values() if not s.requires_tracking
        ]

    def validate_status(self, field) -> None:  # noqa: ANN001
        status = self._offered.get(parse_id(field.data))
        if status is None:
            raise ValidationError(_("Choose one of the statuses."))
        if status.requires_tracking:
            raise ValidationError(
                _(
                    "%(status)s needs a tracking number for each order; change those orders one by one.",
                    status=orders.status_name(status),
                )
            )

    def validate_order(self, field) -> None:  # noqa: ANN001
        values = field.data or []
        if not values:
            raise ValidationError(_("Select at least one order."))
        if len(values) > BULK_MAX:
            raise ValidationError(_("Select at most %(max)s orders at once.", max=BULK_MAX))
        if any(parse_id(value) is None for value in values):
            raise ValidationError(_("Some of the selected orders do not exist; reload the list."))

    def chosen_status(self) -> OrderStatus:
        return self._offered[parse_id(self.status.data)]

    def needs_confirmation(self) -> bool:
        """Cancelling orders gives their stock back and cannot be undone: asked once more."""
        return self.chosen_status().cancels_order and not self.confirmed.data

    def order_ids(self) -> list[int]:
        return list(dict.fromkeys(parse_id(value) for value in self.order.data or []))


# --- rendering ------------------------------------------------------------------------------


def _page_context(
    order_filter: OrderFilter,
    cursor: Cursor | None,
    *,
    bulk_form: BulkStatusForm | None = None,
    confirm: OrderStatus | None = None,
) -> dict:
    size = current_app.config.get("ORDER_LIST_PAGE_SIZE", listing.PAGE_SIZE)
    page: OrderPage = listing.list_orders(order_filter, after=cursor, limit=size)
    statuses = orders.statuses(include_archived=True)
    full_page = not is_htmx()
    people, teams = _sellers(page, everyone=full_page)
    args = order_filter.to_args()
    query_string = request.query_string.decode("utf-8", "replace") if request.method == "GET" else ""
    names = labels()
    return {
        "filter": order_filter,
        "page": page,
        "cursor": cursor,
        "status_names": {s.id: orders.status_name(s) for s in statuses},
        "status_colours": {s.id: safe_colour(s.colour) for s in statuses},
        "sellers": {
            **{f"t{t.id}": t.name for t in teams},
            **{f"p{u.id}": u.name or u.email for u in people},
        },
        # The form and the tabs are outside the swapped block: only the full page needs them.
        "form": OrderFilterForm(order_filter, statuses, people, teams, names) if full_page else None,
        "counts": listing.counts_by_group(statuses, cap=count_cap()) if full_page else {},
        "count_cap": count_cap(),
        "groups": ("", *listing.GROUPS),
        "bulk_form": bulk_form or BulkStatusForm(formdata=None, back=query_string, statuses=statuses),
        "problems": _problem_messages(order_filter),
        "first_url": url_for("backoffice.orders", **args),
        "next_url": url_for("backoffice.orders", **args, after=str(page.next_cursor))
        if page.next_cursor
        else None,
        "labels": names,
        # The cancelling status a bulk change asks to confirm, and the orders it would change.
        "confirm_status": confirm,
        "confirm_orders": bulk_form.order_ids() if confirm is not None and bulk_form else [],
        "count_label": count_label,
        # The order page's address, built once: url_for per row is a measurable part of the page.
        "order_url": url_for("backoffice.order", number="NUMBER").replace("NUMBER", "{}"),
    }


def _sellers(page: OrderPage, *, everyone: bool) -> tuple[list[User], list[SalesTeam]]:
    """Salespeople and sales teams: every back-office person and team for the filter's choices
    (a handful of rows) on the full page, else only those the rows name."""
    people_ids = {o.salesperson_id for o in page.orders if o.salesperson_id}
    team_ids = {o.sales_team_id for o in page.orders if o.sales_team_id}
    people: list[User] = []
    teams: list[SalesTeam] = []
    if everyone:
        people = list(
            db.session.scalars(
                db.select(User)
                .where(User.role.in_([Role.ADMIN, Role.STAFF]))
                .order_by(User.name, User.email)
                .limit(500)
            )
        )
        teams = list(db.session.scalars(db.select(SalesTeam).order_by(SalesTeam.name).limit(500)))
    people_ids -= {u.id for u in people}
    team_ids -= {t.id for t in teams}
    if people_ids:
        people += db.session.scalars(db.select(User).where(User.id.in_(people_ids)))
    if team_ids:
        teams += db.session.scalars(db.select(SalesTeam).where(SalesTeam.id.in_(team_ids)))
    return people, teams


def _problem_messages(order_filter: OrderFilter) -> list[str]:
    return [f"{FILTER_LABELS.get(name, name)}: {message}" for name, message in order_filter.problems.items()]


def _filter_from_query(query_string: str) -> tuple[OrderFilter, Cursor | None]:
    args = MultiDict(parse_qsl(query_string or "", keep_blank_values=False))
    return OrderFilter.from_args(args), Cursor.parse(args.get("after"))


# --- views ----------------------------------------------------------------------------------


# The endpoint is "backoffice.orders", the name base.html and the login redirect use. The rule
# registered first (the lower decorator) is the one url_for builds: /admin/orders.
@bp.get("/", endpoint="orders")
@bp.get("/orders", endpoint="orders")
@staff_required
def order_list():
    order_filter = OrderFilter.from_args(request.args)
    cursor = Cursor.parse(request.args.get("after"))
    return render(TEMPLATE, "results", **_page_context(order_filter, cursor))


@bp.post("/orders/bulk-status")
@staff_required
def bulk_status():
    """Change the status of the selected orders, each through orders.change_status and
    committed on its own: one refusal does not stop the others, and each gets its history row."""
    form = BulkStatusForm()
    back_filter, back_cursor = _filter_from_query(form.back.data or "")
    if not form.validate_on_submit():
        return _refuse(form, back_filter, back_cursor)
    ids = form.order_ids()
    found = db.session.scalar(db.select(func.count()).select_from(Order).where(Order.id.in_(ids)))
    if found != len(ids):
        form.order.errors = [_("Some of the selected orders do not exist; reload the list.")]
        return _refuse(form, back_filter, back_cursor)
    status = form.chosen_status()
    if form.needs_confirmation():
        context = _page_context(back_filter, back_cursor, bulk_form=form, confirm=status)
        return render(TEMPLATE, "results", **context)
    by = actor()

    changed, refused = change_each(ids, lambda order: orders.change_status(order, status, by=by))
    flash_outcome(
        changed,
        refused,
        ngettext("%(num)s order changed.", "%(num)s orders changed.", len(changed)),
    )
    args = back_filter.to_args()
    if back_cursor is not None:
        args["after"] = str(back_cursor)
    return redirect(url_for("backoffice.orders", **args), 303)


def change_each(
    order_ids: Iterable[int], change: Callable[[Order], object]
) -> tuple[list[str], list[tuple[str, str]]]:
    """A bulk action: ``change`` each order and commit it on its own, so one refusal does not
    stop the others and each gets its history row. Returns the numbers changed and the
    (number, reason) of those refused."""
    changed: list[str] = []
    refused: list[tuple[str, str]] = []
    for order_id in order_ids:
        order = db.session.get(Order, order_id)
        number = (order.number or str(order_id)) if order else str(order_id)
        try:
            if order is None:
                raise orders.StatusChangeRefused(_("This order no longer exists."))
            change(order)
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            refused.append((number, str(error)))
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.exception("bulk change of order %s failed", number)
            refused.append((number, _("It could not be saved; try this order again.")))
        else:
            changed.append(number)
    return changed, refused


def flash_outcome(changed: list[str], refused: list[tuple[str, str]], all_done: str) -> None:
    """What a bulk action did: ``all_done`` when nothing was refused, else the counts and the
    first refusals one by one."""
    flash(
        _("%(changed)s changed, %(refused)s refused.", changed=len(changed), refused=len(refused))
        if refused
        else all_done,
        "error" if refused and not changed else "success",
    )
    for number, reason in refused[:REFUSALS_SHOWN]:
        flash(f"{number} — {reason}", "error")
    if len(refused) > REFUSALS_SHOWN:
        flash(_("… and %(count)s more refused.", count=len(refused) - REFUSALS_SHOWN), "error")


def _refuse(form: BulkStatusForm, order_filter: OrderFilter, cursor: Cursor | None):  # noqa: ANN202
    """Nothing changed: the list again, with what was wrong above the table (422)."""
    db.session.rollback()
    return render(TEMPLATE, "results", status=422, **_page_context(order_filter, cursor, bulk_form=form))
