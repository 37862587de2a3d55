"""Money on the order page (B10): record a bank transfer or cash, refund through the payment's
provider, record a refund paid back by hand; and the "refunds due" list.

The forms only read what was typed; shop.payments.services and shop.payments.refunds decide.
Each form answers like the order page's others (order_detail._answer): under htmx its block
(the payment panel) with 422 and the errors beside the fields, or on success the panel and the
blocks the change touched; without htmx, 303 back to the order page, or the page with errors.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from shop.backoffice import bp
from shop.backoffice.access import actor, staff_required
from shop.errors import ShopError
from shop.extensions import db
from shop.forms import AmountField, ShopForm
from shop.i18n import format_money, shop_today, translated
from shop.payments import refunds
from shop.payments import services as payments
from shop.payments.models import PaymentTransaction, Refund, RefundState
from shop.sales import services as sales
from shop.sales.models import Order, OrderState, PaymentMethod
from shop.web import is_htmx, parse_id

REFRESHED = ("order_header", "timeline", "messages")
REFUNDS_DUE_SHOWN = 200
QUANTITY_FIELD = "qty-"  # a line's quantity to refund: qty-<line id>


def refund_method_label(method: str) -> str:
    return {
        "provider": _("Through the payment provider"),
        "bank_transfer": _("Bank transfer"),
        "cash": _("Cash"),
        "other": _("Other"),
    }.get(method, method)


def refund_state_label(state: str) -> str:
    return {
        "pending": _("Pending: no answer from the provider"),
        "succeeded": _("Refunded"),
        "failed": _("Refused"),
    }.get(state, state)


def describe_refund_event(event) -> str:  # noqa: ANN001
    """The order page's timeline words for a refund (history kind "refund")."""
    if event.after == "failed":
        return _("Refund refused by the payment provider")
    return _("Refund issued")


# --- forms ---------------------------------------------------------------------------------


class RecordPaymentForm(ShopForm):
    method = SelectField(
        _l("Received by"),
        choices=[SelectChoice("bank_transfer", _l("Bank transfer")), SelectChoice("cash", _l("Cash"))],
        validate_choice=False,
        id="payment-method",
    )
    amount = AmountField(
        _l("Amount"), validators=[InputRequired(_l("Enter the amount received."))], id="payment-amount"
    )
    received_on = DateField(_l("Date received"), validators=[Optional()], id="payment-received-on")
    reference = StringField(_l("Reference (optional)"), validators=[Length(max=80)], id="payment-reference")

    def validate_method(self, field) -> None:  # noqa: ANN001
        if field.data not in ("bank_transfer", "cash"):
            raise ValidationError(_("Choose how the money was received."))


class _RefundBase(ShopForm):
    """By lines (a quantity per line, the qty-<line id> inputs, and the delivery charge) or by
    an amount. ``lines`` carries no input of its own: its errors are those of the quantities."""

    amount = AmountField(_l("Or an amount"))
    delivery = BooleanField(_l("Refund the delivery charge"))
    lines = HiddenField()
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=500)])
    key = HiddenField()

    def chosen_lines(self) -> list[dict[str, int]] | None:
        """The quantities typed, as the service takes them; None (and an error) if one is no
        whole number. Ids are only read here; the service checks they are this order's lines."""
        chosen = []
        for name, value in request.form.items(multi=True):
            if not name.startswith(QUANTITY_FIELD):
                continue
            text = (value or "").strip()
            if not text:
                continue
            line_id = parse_id(name[len(QUANTITY_FIELD) :])
            if not (text.isascii() and text.isdigit() and len(text) <= 6):
                self.lines.errors = [*self.lines.errors, _("Enter whole quantities of 0 or more.")]
                return None
            if line_id is None:
                self.lines.errors = [*self.lines.errors, _("Choose lines of this order.")]
                return None
            chosen.append({"line_id": line_id, "quantity": int(text)})
        return chosen


class RefundForm(_RefundBase):
    transaction = SelectField(_l("Payment to refund"), validate_choice=False)

    def offer(self, order: Order, transactions: list[PaymentTransaction], refund_rows: list[Refund]) -> None:
        self.transaction.choices = [
            SelectChoice(
                str(t.id),
                _(
                    "%(provider)s %(reference)s: up to %(amount)s",
                    provider=t.provider,
                    reference=t.reference,
                    amount=format_money(refunds.remaining_on(t, refund_rows), t.currency),
                ),
            )
            for t in transactions
        ]


class ManualRefundForm(_RefundBase):
    method = SelectField(
        _l("Paid back by"),
        choices=[
            SelectChoice("bank_transfer", _l("Bank transfer")),
            SelectChoice("cash", _l("Cash")),
            SelectChoice("other", _l("Other")),
        ],
        validate_choice=False,
        id="manual-method",
    )
    reference = StringField(_l("Reference"), validators=[Length(max=80)], id="manual-reference")
    amount = AmountField(_l("Or an amount"), id="manual-amount")
    delivery = BooleanField(_l("Refund the delivery charge"), id="manual-delivery")
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=500)], id="manual-reason")


def _line_label(line) -> str:  # noqa: ANN001
    return " – ".join(part for part in (translated(line.product_name), translated(line.variant_name)) if part)


def _new_key() -> str:
    return secrets.token_urlsafe(24)


# --- the panel's context (order_detail._context adds it) -------------------------------------


def payment_panel(order: Order, **forms) -> dict:
    refund_rows = refunds.refunds_for(order)
    by_provider = refunds.through_provider(order, refund_rows)
    refund_form = forms.get("refund_form") or RefundForm(formdata=None, key=_new_key())
    refund_form.offer(order, by_provider, refund_rows)
    done = refunds.refunded_quantities(refund_rows)
    return {
        "refund_rows": refund_rows,
        "refund_lines": [(line, line.quantity - done.get(line.id, 0)) for line in order.lines],
        "delivery_refunded": refunds.delivery_refunded(refund_rows),
        "refundable": refunds.remaining_for(order, refund_rows),
        "pending_refunds": sum(
            (r.amount for r in refund_rows if r.state == RefundState.PENDING), Decimal("0")
        ),
        "can_refund_by_provider": bool(by_provider),
        "can_record_payment": order.state in (OrderState.QUOTATION_SENT, OrderState.SALES_ORDER)
        and order.amount_due > 0,
        "payment_form": forms.get("payment_form")
        or RecordPaymentForm(formdata=None, received_on=shop_today()),
        "refund_form": refund_form,
        "manual_refund_form": forms.get("manual_refund_form")
        or ManualRefundForm(formdata=None, key=_new_key()),
        "refund_method_label": refund_method_label,
        "refund_state_label": refund_state_label,
        "line_label": _line_label,
        "line_names": {line.id: _line_label(line) for line in order.lines},
        "payment_message": forms.get("payment_message"),
        "payment_message_kind": forms.get("payment_message_kind", "success"),
    }


def _done(order: Order, message: str, *, kind: str = "success"):
    from shop.backoffice.order_detail import _answer

    if not is_htmx():
        flash(message, kind)
        return redirect(url_for("backoffice.order", number=order.number), 303)
    return _answer(order, "payment", refreshed=REFRESHED, payment_message=message, payment_message_kind=kind)


def _refused(order: Order, **forms):
    from shop.backoffice.order_detail import _answer

    return _answer(order, "payment", status=422, **forms)


# --- views ---------------------------------------------------------------------------------


@bp.post("/orders/<number>/payments")
@staff_required
def record_order_payment(number: str):
    """A bank transfer or cash received: the one rule is payments.record_bank_transfer/cash."""
    order = sales.order_by_number(number)
    form = RecordPaymentForm()
    if form.validate_on_submit():
        record = (
            payments.record_bank_transfer
            if form.method.data == PaymentMethod.BANK_TRANSFER.value
            else payments.record_cash_payment
        )
        try:
            transaction = record(
                order,
                form.amount.data,
                by=actor(),
                reference=(form.reference.data or "").strip(),
                received_on=form.received_on.data,
            )
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            form.show_error(error, fallback="amount")
        else:
            return _done(
                order,
                _(
                    "Payment of %(amount)s recorded.",
                    amount=format_money(transaction.amount, transaction.currency),
                ),
            )
    return _refused(order, payment_form=form)


@bp.post("/orders/<number>/refunds")
@staff_required
def refund_order(number: str):
    order = sales.order_by_number(number)
    form = RefundForm()
    return _refund(order, form, "refund_form")


@bp.post("/orders/<number>/refunds/manual")
@staff_required
def record_order_manual_refund(number: str):
    order = sales.order_by_number(number)
    form = ManualRefundForm()
    return _refund(order, form, "manual_refund_form")


def _refund(order: Order, form: _RefundBase, form_name: str):
    chosen = form.chosen_lines() if form.validate_on_submit() else None
    if chosen is None:
        return _refused(order, **{form_name: form})
    key = form.key.data or ""
    replayed = refunds.already_settled(key)  # read before the service acts on this same row
    values = {
        "by": actor(),
        "key": key,
        "amount": form.amount.data,
        "lines": chosen or None,
        "delivery": bool(form.delivery.data),
        "reason": (form.reason.data or "").strip(),
    }
    try:
        if isinstance(form, ManualRefundForm):
            done = refunds.record_manual_refund(
                order, method=form.method.data or "", reference=(form.reference.data or "").strip(), **values
            )
        else:
            done = refunds.refund(order, transaction=parse_id(form.transaction.data) or None, **values)
        db.session.commit()
    except ShopError as error:
        db.session.rollback()
        form.show_error(error, fallback="amount")
        return _refused(order, **{form_name: form})
    amount = format_money(done.amount, done.currency)
    if replayed and done.state == RefundState.SUCCEEDED:
        return _done(
            order, _("This refund of %(amount)s was made already; nothing more was refunded.", amount=amount)
        )
    if done.state == RefundState.SUCCEEDED:
        return _done(order, _("Refund of %(amount)s issued.", amount=amount))
    if done.state == RefundState.PENDING:
        # Same key kept: sending the form again asks the provider about this very refund.
        form.show_error(
            ShopError(
                _(
                    "The payment provider did not answer. The refund of %(amount)s is pending; "
                    "send the form again to retry it (it will not be refunded twice).",
                    amount=amount,
                )
            ),
            fallback="amount",
        )
        return _refused(order, **{form_name: form})
    # Refused by the provider: recorded as such; a new attempt is a new refund (a new key).
    form.key.data = _new_key()
    form.show_error(
        ShopError(_("The payment provider refused the refund: %(reason)s", reason=done.error)),
        fallback="amount",
    )
    return _refused(order, **{form_name: form})


@bp.get("/refunds-due")
@staff_required
def refunds_due():
    """Orders with money to give back (cancelled after payment, overpaid), until settled: their
    payment state is OVERPAID exactly while kept > owed (ix_orders_payment_created)."""
    rows, pending = refunds.refunds_due(REFUNDS_DUE_SHOWN)
    return render_template(
        "backoffice/refunds_due.html",
        orders=rows[:REFUNDS_DUE_SHOWN],
        more=len(rows) > REFUNDS_DUE_SHOWN,
        shown=REFUNDS_DUE_SHOWN,
        pending=pending,
    )
