"""The outbox in the back office (N1): every e-mail and SMS the shop queued, what became of it,
and "retry now" for one that failed. Staff and admins; couriers have no business here.

GET /admin/outbox answers the whole page, or under htmx only the ``results`` block, like the
order list: the filters live in the URL and the results page by id (``?before=<id>``), newest
first, so a page costs the same however many messages the shop has sent. Only the states
someone acts on (pending, sending, failed) are counted: they use the (state, next attempt)
index and stay small; sent messages are never counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from wtforms import SearchField, SelectField

from shop.backoffice import bp
from shop.backoffice.access import staff_required
from shop.backoffice.forms import ActionForm
from shop.errors import NotFound
from shop.extensions import db
from shop.forms import ShopForm
from shop.notifications import templating
from shop.notifications.models import Channel, MessageState, OutboxMessage
from shop.notifications.outbox import RetryRefused, retry_now
from shop.sales import services as sales
from shop.sales.models import Order
from shop.web import is_htmx, parse_id, query_text, render, safe_next

LIST_TEMPLATE = "backoffice/outbox/list.html"
DETAIL_TEMPLATE = "backoffice/outbox/detail.html"
ROW_TEMPLATE = "backoffice/outbox/_row.html"
PAGE_SIZE = 50
COUNTED = (MessageState.PENDING, MessageState.SENDING, MessageState.FAILED)
# Characters people type in a phone number that an E.164 recipient does not have.
_PHONE_TYPED = re.compile(r"^\+?[\d\s().-]+$")
_PHONE_NOISE = re.compile(r"[\s().-]")


# --- labels ---------------------------------------------------------------------------------


def state_labels() -> dict[str, str]:
    return {
        MessageState.PENDING.value: _("Waiting"),
        MessageState.SENDING.value: _("Sending"),
        MessageState.SENT.value: _("Sent"),
        MessageState.FAILED.value: _("Failed"),
        MessageState.CANCELLED.value: _("Cancelled"),
    }


def channel_labels() -> dict[str, str]:
    return {Channel.EMAIL.value: _("E-mail"), Channel.SMS.value: _("SMS")}


def message_labels() -> dict:
    """Everything a message row shows as words, translated once per request."""
    return {
        "state": state_labels(),
        "channel": channel_labels(),
        "event": {
            **{key: str(spec.label) for key, spec in templating.EVENTS.items()},
            # The shop's own messages, written without a seller's template.
            "password_reset": _("Password reset"),
            "return_link": _("Link to return an order"),
            "email_verification": _("E-mail address verification"),
        },
    }


# --- filters --------------------------------------------------------------------------------


@dataclass
class OutboxFilter:
    """The list's filters, read from the URL; a value that makes no sense is left out and said."""

    state: str = ""
    channel: str = ""
    q: str = ""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_request(cls) -> OutboxFilter:
        args = request.args
        found = cls(q=query_text("q"))
        state = args.get("state", "")
        if state in {s.value for s in MessageState}:
            found.state = state
        elif state:
            found.problems.append(_("State: choose one of the states."))
        channel = args.get("channel", "")
        if channel in {c.value for c in Channel}:
            found.channel = channel
        elif channel:
            found.problems.append(_("Channel: choose e-mail or SMS."))
        return found

    @property
    def active(self) -> bool:
        return bool(self.state or self.channel or self.q)

    def to_args(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (("state", self.state), ("channel", self.channel), ("q", self.q))
            if value
        }


class OutboxFilterForm(ShopForm):
    """The filters, a GET form: it only draws them (OutboxFilter reads them) and needs no token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), render_kw={"placeholder": _l("Recipient or order number")})
    state = SelectField(_l("State"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)

    def __init__(self, found: OutboxFilter, **kwargs) -> None:  # noqa: ANN003
        super().__init__(
            formdata=None, data={"q": found.q, "state": found.state, "channel": found.channel}, **kwargs
        )
        anything = ("", _("Any"))
        self.state.choices = [anything, *state_labels().items()]
        self.channel.choices = [anything, *channel_labels().items()]


def _search(text: str):  # noqa: ANN202
    """A recipient fragment (any case; a phone number as typed, spaces and all) or an exact
    order number (any case: numbers are capital letters and digits). The fragment is a LIKE
    over the table: fine for a shop's outbox, and the page stops at the first PAGE_SIZE matches."""
    recipient = func.lower(OutboxMessage.recipient)
    matches = [recipient.contains(text.lower(), autoescape=True)]
    if _PHONE_TYPED.match(text):
        compact = _PHONE_NOISE.sub("", text)
        if compact and compact != text:
            matches.append(recipient.contains(compact, autoescape=True))
    try:
        matches.append(OutboxMessage.order_id == sales.order_by_number(text.upper()).id)
    except NotFound:
        pass  # not an order number
    return or_(*matches)


@dataclass
class OutboxPage:
    rows: list[tuple[OutboxMessage, str | None]]  # each message with its order's number
    next_before: int | None


def list_messages(found: OutboxFilter, *, before: int | None, limit: int = PAGE_SIZE) -> OutboxPage:
    query = select(OutboxMessage, Order.number).outerjoin(Order, Order.id == OutboxMessage.order_id)
    if found.state:
        query = query.where(OutboxMessage.state == MessageState(found.state))
    if found.channel:
        query = query.where(OutboxMessage.channel == Channel(found.channel))
    if found.q:
        query = query.where(_search(found.q))
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    rows = list(db.session.execute(query.order_by(OutboxMessage.id.desc()).limit(limit + 1)).tuples())
    more = len(rows) > limit
    rows = rows[:limit]
    return OutboxPage(rows=rows, next_before=rows[-1][0].id if more else None)


def state_counts() -> dict[str, int]:
    """How many messages are in each COUNTED state, in that order (the list's header shows them so)."""
    counted = db.session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.state.in_(COUNTED))
        .group_by(OutboxMessage.state)
    )
    counts = {state.value: 0 for state in COUNTED}
    counts.update({MessageState(state).value: number for state, number in counted.tuples()})
    return counts


# --- views ----------------------------------------------------------------------------------


def _list_context(found: OutboxFilter, before: int | None) -> dict:
    size = int(current_app.config.get("OUTBOX_PAGE_SIZE", PAGE_SIZE))
    page = list_messages(found, before=before, limit=size)
    args = found.to_args()
    full_page = not is_htmx()
    here = url_for("backoffice.outbox", **args, **({"before": str(before)} if before else {}))
    return {
        "filter": found,
        "page": page,
        "before": before,
        "form": OutboxFilterForm(found) if full_page else None,
        "counts": state_counts() if full_page else {},
        "labels": message_labels(),
        "retry_form": ActionForm(formdata=None),
        "back": here,
        "first_url": url_for("backoffice.outbox", **args),
        "next_url": url_for("backoffice.outbox", **args, before=str(page.next_before))
        if page.next_before
        else None,
    }


@bp.get("/outbox")
@staff_required
def outbox():
    found = OutboxFilter.from_request()
    raw_before = request.args.get("before")
    before = parse_id(raw_before)
    if raw_before and before is None:
        found.problems.append(_("Page: this page does not exist; showing the newest messages."))
    return render(LIST_TEMPLATE, "results", **_list_context(found, before))


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, parse_id(message_id)) if parse_id(message_id) else None
    if message is None:
        raise NotFound()
    return message


def _order_number(message: OutboxMessage) -> str | None:
    if message.order_id is None:
        return None
    return db.session.scalar(select(Order.number).where(Order.id == message.order_id))


def _detail_context(message: OutboxMessage, **extra) -> dict:
    return {
        "message": message,
        "order_number": _order_number(message),
        "labels": message_labels(),
        "retry_form": ActionForm(formdata=None),
        "notice": "",
        "notice_kind": "success",
        **extra,
    }


@bp.get("/outbox/<int:message_id>")
@staff_required
def outbox_message(message_id: int):
    message = _message(message_id)
    return render_template(DETAIL_TEMPLATE, **_detail_context(message))


@bp.post("/outbox/<int:message_id>/retry")
@staff_required
def retry_message(message_id: int):
    """Send a waiting, failed or cancelled message at the next turn of the worker. Under htmx
    the row (``view=row``) or the message's panel comes back with the outcome in it."""
    message = _message(message_id)
    status = 200
    if not ActionForm().validate_on_submit():
        notice, kind, status = _("The form expired. Please send it again."), "error", 400
    else:
        try:
            retry_now(message)
            db.session.commit()
            notice, kind = _("The message will be sent again in a moment."), "success"
        except RetryRefused as refused:
            db.session.rollback()
            notice, kind, status = str(refused), "error", 409
    if is_htmx():
        if request.form.get("view") == "row":
            html = render_template(
                ROW_TEMPLATE,
                message=message,
                order_number=_order_number(message),
                labels=message_labels(),
                retry_form=ActionForm(formdata=None),
                back=safe_next(url_for("backoffice.outbox"), within="/admin/outbox"),
                notice=notice,
                notice_kind=kind,
            )
            response = current_app.make_response((html, status))
            response.vary.add("HX-Request")
            return response
        return render(
            DETAIL_TEMPLATE,
            "message_panel",
            status=status,
            **_detail_context(message, notice=notice, notice_kind=kind),
        )
    flash(notice, kind)
    return redirect(
        safe_next(url_for("backoffice.outbox_message", message_id=message.id), within="/admin/outbox"), 303
    )
